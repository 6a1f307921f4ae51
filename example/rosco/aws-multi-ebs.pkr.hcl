# Replacement for Rosco's aws-multi-ebs.json, in HCL2: the variables Rosco passes,
# with `spinnaker-ebs` (amazon-ebs plus Rosco's bake cache) and the `spinnaker-packages`
# provisioner instead of install_packages.sh.
#
# Rosco runs it as it runs its own templates:
#   packer build -color=false -var aws_region=us-east-1 ... /opt/rosco/config/packer/aws-multi-ebs.pkr.hcl
# HCL2 refuses a -var it does not declare, so every variable Rosco can send is declared here,
# build_info_url and the extended attributes of docs/guides/rosco-migration.mdx included.
# The copy_to and share_with extended attributes (comma lists) copy the image to up to 5 more
# regions and share it with up to 10 accounts.

packer {
  required_version = ">= 1.10.0"
  required_plugins {
    spinnaker = {
      source  = "github.com/spinnaker-bakery/spinnaker"
      version = ">= 0.1.0"
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
  description = "The region of the bake."
}

variable "aws_ssh_username" {
  type        = string
  description = "The SSH login of the base image."
}

variable "aws_instance_type" {
  type        = string
  description = "The build instance type."
}

variable "aws_source_ami" {
  type        = string
  description = "The base AMI id Rosco resolved."
}

variable "aws_target_ami" {
  type        = string
  description = "The image name Rosco computed (<package>-<arch>-<suffix>-<base_os>)."
}

# Rosco drops a configured `false` (spinnaker/spinnaker#4187); the extended attribute
# aws_associate_public_ip_address = "false" still arrives, as a string.
variable "aws_associate_public_ip_address" {
  type    = string
  default = "true"
}

variable "aws_ena_support" {
  type    = string
  default = "false"
}

# "0" means on-demand, as in Rosco's templates.
variable "aws_spot_price" {
  type    = string
  default = "0"
}

variable "aws_spot_price_auto_product" {
  type    = string
  default = ""
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

variable "copy_to_1" {
  type        = string
  default     = ""
  description = "A region from the copy_to extended attribute; empty slots are ignored."
}

variable "copy_to_2" {
  type        = string
  default     = ""
  description = "A region from the copy_to extended attribute; empty slots are ignored."
}

variable "copy_to_3" {
  type        = string
  default     = ""
  description = "A region from the copy_to extended attribute; empty slots are ignored."
}

variable "copy_to_4" {
  type        = string
  default     = ""
  description = "A region from the copy_to extended attribute; empty slots are ignored."
}

variable "copy_to_5" {
  type        = string
  default     = ""
  description = "A region from the copy_to extended attribute; empty slots are ignored."
}

variable "share_with_1" {
  type        = string
  default     = ""
  description = "An account from the share_with extended attribute; empty slots are ignored."
}

variable "share_with_2" {
  type        = string
  default     = ""
  description = "An account from the share_with extended attribute; empty slots are ignored."
}

variable "share_with_3" {
  type        = string
  default     = ""
  description = "An account from the share_with extended attribute; empty slots are ignored."
}

variable "share_with_4" {
  type        = string
  default     = ""
  description = "An account from the share_with extended attribute; empty slots are ignored."
}

variable "share_with_5" {
  type        = string
  default     = ""
  description = "An account from the share_with extended attribute; empty slots are ignored."
}

variable "share_with_6" {
  type        = string
  default     = ""
  description = "An account from the share_with extended attribute; empty slots are ignored."
}

variable "share_with_7" {
  type        = string
  default     = ""
  description = "An account from the share_with extended attribute; empty slots are ignored."
}

variable "share_with_8" {
  type        = string
  default     = ""
  description = "An account from the share_with extended attribute; empty slots are ignored."
}

variable "share_with_9" {
  type        = string
  default     = ""
  description = "An account from the share_with extended attribute; empty slots are ignored."
}

variable "share_with_10" {
  type        = string
  default     = ""
  description = "An account from the share_with extended attribute; empty slots are ignored."
}

variable "rebake" {
  type        = string
  default     = "false"
  description = "\"true\" bakes even when an image with the same bake key exists. Rosco's own rebake flag never reaches Packer."
}

variable "disable_services" {
  type        = string
  default     = "true"
  description = "Keep package scripts from starting services during the bake (policy-rc.d). \"true\" or \"false\"."
}

variable "services" {
  type        = string
  default     = ""
  description = "Comma-separated systemd units to enable (never start) after the installs."
}

# --- The bake ------------------------------------------------------------------------------------

# Empty copy_to_N / share_with_N slots are dropped, so no bogus "" region or account reaches
# the builder (rosco#126); Rosco's JSON templates filled them with SPINNAKER_AWS_DEFAULT_* instead.
locals {
  ami_regions = compact([var.copy_to_1, var.copy_to_2, var.copy_to_3, var.copy_to_4, var.copy_to_5])
  ami_users = compact([
    var.share_with_1, var.share_with_2, var.share_with_3, var.share_with_4, var.share_with_5,
    var.share_with_6, var.share_with_7, var.share_with_8, var.share_with_9, var.share_with_10,
  ])
}

source "spinnaker-ebs" "rosco" {
  access_key                  = var.aws_access_key
  secret_key                  = var.aws_secret_key
  region                      = var.aws_region
  ssh_username                = var.aws_ssh_username
  ssh_pty                     = true
  instance_type               = var.aws_instance_type
  source_ami                  = var.aws_source_ami
  ami_name                    = var.aws_target_ami
  subnet_id                   = var.aws_subnet_id
  vpc_id                      = var.aws_vpc_id
  associate_public_ip_address = var.aws_associate_public_ip_address
  ena_support                 = var.aws_ena_support
  spot_price                  = var.aws_spot_price
  spot_price_auto_product     = var.aws_spot_price_auto_product
  ami_regions                 = local.ami_regions
  ami_users                   = local.ami_users

  tags = {
    appversion     = var.appversion
    build_host     = var.build_host
    build_info_url = var.build_info_url
  }
  run_tags = {
    Packages = var.packages
  }

  # The strict bake key, computed by the builder from what changes the image (packages, source
  # AMI, repositories, upgrade, ENA) with the same rules as data "spinnaker-bake". The builder
  # looks it up in EC2 itself. A block rather than the datasource, so that plain
  # `packer validate` checks the template too.
  bake {
    package_name        = var.packages
    package_type        = var.package_type
    base_ami            = var.aws_source_ami
    repository          = var.repository
    upgrade             = var.upgrade
    enhanced_networking = var.aws_ena_support == "true"
    template_file_name  = "aws-multi-ebs.pkr.hcl"
  }
  rebake = var.rebake == "true"
}

build {
  sources = ["source.spinnaker-ebs.rosco"]

  # No pause_before as in Rosco's template: the provisioner waits for cloud-init itself, and
  # pause_before would silently drop a provisioner timeout.
  provisioner "spinnaker-packages" {
    repository       = var.repository
    package_type     = var.package_type
    packages         = var.packages
    upgrade          = var.upgrade
    disable_services = var.disable_services
    services         = compact(split(",", var.services))
  }
}
