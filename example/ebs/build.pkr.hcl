# Bakes an AMI the way Rosco does, and reuses it when nothing changed: data "spinnaker-bake"
# computes the bake key, source "spinnaker-ebs" (amazon-ebs with Rosco's bake cache) looks it up
# in every region, and provisioner "spinnaker-packages" installs the packages.
#
#   packer build -var source_ami=ami-… -var repository_url=https://… .
#
# With the plugin installed (`make install` until a release is published; then `packer init .`).
# Plain `packer validate` does not run data sources, so ami_name is <unknown> there and amazon-ebs
# rejects it: use `packer validate -evaluate-datasources -var source_ami=… -var repository_url=… .`
#
# The first build bakes (and copies to ami_regions); the same build again prints
# "No changes detected; reused existing bake" without launching an instance. -var rebake=true,
# or packer build -force, bakes again. Offline, test/e2e/builder_cache_test.go runs this template
# against the loopback EC2 fake and a booted target.

packer {
  required_plugins {
    spinnaker = {
      source  = "github.com/spinnaker-bakery/spinnaker"
      version = ">= 0.1.0"
    }
  }
}

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "ami_regions" {
  type        = list(string)
  description = "Regions the image is copied to."
  default     = ["eu-west-1"]
}

variable "source_ami" {
  type        = string
  description = "The base image (Debian or Ubuntu)."
}

variable "packages" {
  type        = list(string)
  description = "Packages to install, as in Rosco's package_name (name_version-release_arch pins the version)."
  default     = ["hello-svc_1.0.1-h6_all"]
}

variable "services" {
  type        = list(string)
  description = "Services to enable (not start) in the image."
  default     = ["hello-svc"]
}

variable "repository_url" {
  type        = string
  description = "The flat apt repository the packages come from (the directory holding Packages and Release); for one with dists/, add distribution and components to the repositories block below."
}

variable "repository_key_url" {
  type        = string
  description = "URL of the repository's signing key (https, or plain http with repository_key_fingerprint)."
  default     = ""
}

variable "repository_key_fingerprint" {
  type        = string
  description = "The signing key's OpenPGP fingerprint (gpg --show-keys key.asc); every bake checks the fetched key against it. Required when repository_key_url is plain http."
  default     = ""
}

variable "ami_suffix" {
  type        = string
  description = "The image name's release part; Spinnaker sends a UTC timestamp."
  default     = ""
}

variable "build_number" {
  type        = string
  description = "The CI build number; with the package version it makes the appversion tag."
  default     = "1"
}

variable "commit_hash" {
  type    = string
  default = ""
}

variable "rebake" {
  type    = bool
  default = false
}

variable "ssh_username" {
  type    = string
  default = "admin"
}

variable "ssh_keypair_name" {
  type        = string
  description = "An existing key pair; empty lets amazon-ebs create a temporary one."
  default     = ""
}

variable "ssh_private_key_file" {
  type    = string
  default = ""
}

variable "ec2_endpoint" {
  type        = string
  description = "EC2 endpoint URL, e.g. the loopback fake; empty for AWS itself."
  default     = ""
}

variable "poll_delay_seconds" {
  type        = number
  description = "Seconds between amazon-ebs's state checks; 0 keeps its defaults."
  default     = 0
}

data "spinnaker-bake" "app" {
  packages     = var.packages
  base_os      = "debian"
  base_ami     = var.source_ami
  package_type = "deb"
  region       = var.region
  regions      = var.ami_regions
  ami_suffix   = var.ami_suffix
  build_number = var.build_number
  commit_hash  = var.commit_hash
  repositories = [var.repository_url]
  # The builder looks the key up itself, in the build region and every ami_regions region.
  lookup = "none"
}

locals {
  bake = data.spinnaker-bake.app
}

source "spinnaker-ebs" "app" {
  # The bake cache.
  bake_key = local.bake.key
  rebake   = var.rebake

  # Everything else is amazon-ebs, unchanged.
  region        = var.region
  ami_regions   = var.ami_regions
  source_ami    = var.source_ami
  instance_type = "t3.micro"
  ami_name      = local.bake.image_name
  tags = {
    appversion     = local.bake.appversion
    build_host     = "https://ci.example.com"
    build_info_url = "https://ci.example.com/job/app/1"
  }
  run_tags = {
    Packages = local.bake.packages
  }

  communicator         = "ssh"
  ssh_username         = var.ssh_username
  ssh_keypair_name     = var.ssh_keypair_name
  ssh_private_key_file = var.ssh_private_key_file
  ssh_timeout          = "5m"

  custom_endpoint_ec2 = var.ec2_endpoint
  # A fake endpoint has no STS to validate credentials with.
  skip_credential_validation = var.ec2_endpoint != ""
  aws_polling {
    delay_seconds = var.poll_delay_seconds
  }
}

build {
  sources = ["source.spinnaker-ebs.app"]

  provisioner "spinnaker-packages" {
    repositories {
      url             = var.repository_url
      key_url         = var.repository_key_url
      key_fingerprint = var.repository_key_fingerprint
      name            = "app"
    }
    package_list = var.packages
    # Enabled, not started: the image boots them.
    services = var.services
  }
}
