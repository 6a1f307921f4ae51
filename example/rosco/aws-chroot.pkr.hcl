# Replacement for Rosco's aws-chroot.json, in HCL2: the variables Rosco passes,
# with amazon-chroot as before and the `spinnaker-packages` provisioner instead of
# install_packages.sh. amazon-chroot must run as root on an EC2 instance: list this file
# in rosco.yml's templatesNeedingRoot.
#
# Rosco runs it as it runs its own templates:
#   packer build -color=false -var aws_region=us-east-1 ... /opt/rosco/config/packer/aws-chroot.pkr.hcl
# HCL2 refuses a -var it does not declare, so every variable Rosco can send is declared here,
# build_info_url and the extended attributes of docs/guides/rosco-migration.mdx included.

packer {
  required_version = ">= 1.10.0"
  required_plugins {
    spinnaker = {
      source  = "github.com/spinnaker-bakery/spinnaker"
      version = ">= 0.1.0"
    }
    amazon = {
      source  = "github.com/hashicorp/amazon"
      version = ">= 1.2.1"
    }
  }
}

# --- Set by Rosco from rosco.yml (aws.bakeryDefaults, base image settings) and the request ---

variable "aws_access_key" {
  type      = string
  default   = ""
  sensitive = true
}

variable "aws_secret_key" {
  type      = string
  default   = ""
  sensitive = true
}

variable "aws_subnet_id" {
  type    = string
  default = env("AWS_SUBNET_ID")
}

variable "aws_vpc_id" {
  type    = string
  default = env("AWS_VPC_ID")
}

variable "aws_region" {
  type        = string
  description = "The region of the bake. Declared because Rosco always sends it; amazon-chroot bakes in the region of the host."
}

variable "aws_ssh_username" {
  type        = string
  description = "The SSH login of the base image. Unused by amazon-chroot; declared because Rosco sends it."
}

variable "aws_instance_type" {
  type        = string
  description = "The build instance type. Unused by amazon-chroot; declared because Rosco sends it."
}

variable "aws_source_ami" {
  type        = string
  description = "The base AMI id Rosco resolved."
}

variable "aws_target_ami" {
  type        = string
  description = "The image name Rosco computed (<package>-<arch>-<suffix>-<base_os>)."
}

variable "aws_associate_public_ip_address" {
  type        = string
  default     = "true"
  description = "Unused by amazon-chroot; declared because Rosco sends it."
}

variable "aws_ena_support" {
  type        = string
  default     = "false"
  description = "Unused by amazon-chroot; declared because Rosco sends it."
}

variable "aws_spot_price" {
  type        = string
  default     = "0"
  description = "Unused by amazon-chroot; declared because Rosco sends it."
}

variable "aws_spot_price_auto_product" {
  type        = string
  default     = ""
  description = "Unused by amazon-chroot; declared because Rosco sends it."
}

variable "appversion" {
  type    = string
  default = ""
}

variable "build_host" {
  type    = string
  default = ""
}

variable "build_info_url" {
  type    = string
  default = ""
}

variable "repository" {
  type    = string
  default = ""
}

variable "package_type" {
  type    = string
  default = ""
}

variable "packages" {
  type    = string
  default = ""
}

variable "upgrade" {
  type    = string
  default = ""
}

# Rosco always sends its config dir; nothing is read from it any more (no install_packages.sh).
variable "configDir" {
  type    = string
  default = ""
}

# --- Extended attributes (the bake stage's extended_attributes) ---------------------------------

variable "disable_services" {
  type        = string
  default     = "true"
  description = "Keep package scripts from starting services in the chroot (policy-rc.d). \"true\" or \"false\"."
}

variable "copy_to_1" {
  type        = string
  default     = ""
  description = "Only aws-multi-chroot honours the copy_to extended attribute."
  validation {
    condition     = var.copy_to_1 == ""
    error_message = "The copy_to extended attribute needs the aws-multi-chroot template: this one does not copy the image."
  }
}

variable "copy_to_2" {
  type        = string
  default     = ""
  description = "Only aws-multi-chroot honours the copy_to extended attribute."
  validation {
    condition     = var.copy_to_2 == ""
    error_message = "The copy_to extended attribute needs the aws-multi-chroot template: this one does not copy the image."
  }
}

variable "copy_to_3" {
  type        = string
  default     = ""
  description = "Only aws-multi-chroot honours the copy_to extended attribute."
  validation {
    condition     = var.copy_to_3 == ""
    error_message = "The copy_to extended attribute needs the aws-multi-chroot template: this one does not copy the image."
  }
}

variable "copy_to_4" {
  type        = string
  default     = ""
  description = "Only aws-multi-chroot honours the copy_to extended attribute."
  validation {
    condition     = var.copy_to_4 == ""
    error_message = "The copy_to extended attribute needs the aws-multi-chroot template: this one does not copy the image."
  }
}

variable "copy_to_5" {
  type        = string
  default     = ""
  description = "Only aws-multi-chroot honours the copy_to extended attribute."
  validation {
    condition     = var.copy_to_5 == ""
    error_message = "The copy_to extended attribute needs the aws-multi-chroot template: this one does not copy the image."
  }
}

variable "share_with_1" {
  type        = string
  default     = ""
  description = "Only aws-multi-chroot honours the share_with extended attribute."
  validation {
    condition     = var.share_with_1 == ""
    error_message = "The share_with extended attribute needs the aws-multi-chroot template: this one does not share the image."
  }
}

variable "share_with_2" {
  type        = string
  default     = ""
  description = "Only aws-multi-chroot honours the share_with extended attribute."
  validation {
    condition     = var.share_with_2 == ""
    error_message = "The share_with extended attribute needs the aws-multi-chroot template: this one does not share the image."
  }
}

variable "share_with_3" {
  type        = string
  default     = ""
  description = "Only aws-multi-chroot honours the share_with extended attribute."
  validation {
    condition     = var.share_with_3 == ""
    error_message = "The share_with extended attribute needs the aws-multi-chroot template: this one does not share the image."
  }
}

variable "share_with_4" {
  type        = string
  default     = ""
  description = "Only aws-multi-chroot honours the share_with extended attribute."
  validation {
    condition     = var.share_with_4 == ""
    error_message = "The share_with extended attribute needs the aws-multi-chroot template: this one does not share the image."
  }
}

variable "share_with_5" {
  type        = string
  default     = ""
  description = "Only aws-multi-chroot honours the share_with extended attribute."
  validation {
    condition     = var.share_with_5 == ""
    error_message = "The share_with extended attribute needs the aws-multi-chroot template: this one does not share the image."
  }
}

variable "share_with_6" {
  type        = string
  default     = ""
  description = "Only aws-multi-chroot honours the share_with extended attribute."
  validation {
    condition     = var.share_with_6 == ""
    error_message = "The share_with extended attribute needs the aws-multi-chroot template: this one does not share the image."
  }
}

variable "share_with_7" {
  type        = string
  default     = ""
  description = "Only aws-multi-chroot honours the share_with extended attribute."
  validation {
    condition     = var.share_with_7 == ""
    error_message = "The share_with extended attribute needs the aws-multi-chroot template: this one does not share the image."
  }
}

variable "share_with_8" {
  type        = string
  default     = ""
  description = "Only aws-multi-chroot honours the share_with extended attribute."
  validation {
    condition     = var.share_with_8 == ""
    error_message = "The share_with extended attribute needs the aws-multi-chroot template: this one does not share the image."
  }
}

variable "share_with_9" {
  type        = string
  default     = ""
  description = "Only aws-multi-chroot honours the share_with extended attribute."
  validation {
    condition     = var.share_with_9 == ""
    error_message = "The share_with extended attribute needs the aws-multi-chroot template: this one does not share the image."
  }
}

variable "share_with_10" {
  type        = string
  default     = ""
  description = "Only aws-multi-chroot honours the share_with extended attribute."
  validation {
    condition     = var.share_with_10 == ""
    error_message = "The share_with extended attribute needs the aws-multi-chroot template: this one does not share the image."
  }
}

variable "services" {
  type        = string
  default     = ""
  description = "Comma-separated systemd units to enable (never start) after the installs."
}

# --- The bake ------------------------------------------------------------------------------------

source "amazon-chroot" "rosco" {
  access_key              = var.aws_access_key
  secret_key              = var.aws_secret_key
  source_ami              = var.aws_source_ami
  ami_name                = var.aws_target_ami
  ami_virtualization_type = "hvm"

  tags = {
    appversion     = var.appversion
    build_host     = var.build_host
    build_info_url = var.build_info_url
  }
}

build {
  sources = ["source.amazon-chroot.rosco"]

  # Nothing boots in a chroot: cloud-init is not running and units can only be enabled.
  provisioner "spinnaker-packages" {
    repository          = var.repository
    package_type        = var.package_type
    packages            = var.packages
    upgrade             = var.upgrade
    disable_services    = var.disable_services
    services            = compact(split(",", var.services))
    wait_for_cloud_init = false
  }
}
