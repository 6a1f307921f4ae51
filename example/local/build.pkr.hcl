# A real bake on a local machine: the spinnaker-bake data source computes Rosco's bake key and image
# name for the request, and spinnaker-packages installs the pinned package from a signed repository
# and enables its service without starting it. `make demo` boots a local Debian target, serves the
# signed demo repository and runs this template with the variables below.
#
#   packer build -var ssh_host=... -var ssh_private_key_file=... \
#     -var repo_url=http://.../apt/ -var repo_key_url=http://.../keys/repo.asc \
#     -var repo_key_fingerprint=... example/local
#
# Plain `packer validate` does not run data sources; use `packer validate -evaluate-datasources`
# with the same -var arguments.

packer {
  required_plugins {
    spinnaker = {
      source  = "github.com/spinnaker-bakery/spinnaker"
      version = ">= 0.1.0"
    }
  }
}

variable "ssh_host" {
  type        = string
  description = "Address of the machine to bake."
}

variable "ssh_port" {
  type    = number
  default = 22
}

variable "ssh_username" {
  type    = string
  default = "root"
}

variable "ssh_private_key_file" {
  type = string
}

variable "repo_url" {
  type        = string
  description = "The signed (flat) apt repository holding the demo package."
}

variable "repo_key_url" {
  type        = string
  description = "URL of the repository's armored signing key."
}

variable "repo_key_fingerprint" {
  type        = string
  description = "The signing key's OpenPGP fingerprint (gpg --show-keys key.asc). It pins the key, which is what lets the demo fetch it over plain http."
}

variable "package_name" {
  type        = string
  description = "The package as Spinnaker's trigger names it (Rosco's package_name)."
  default     = "hello-svc_1.0.0-h5_all"
}

data "spinnaker-bake" "demo" {
  package_name = var.package_name
  base_os      = "bookworm"
  package_type = "deb"
  region       = "us-east-1"
  ami_suffix   = "20261121120000"
  repository   = "${var.repo_url} ./"
  lookup       = "none"
}

locals {
  bake = data.spinnaker-bake.demo
}

source "null" "local" {
  communicator         = "ssh"
  ssh_host             = var.ssh_host
  ssh_port             = var.ssh_port
  ssh_username         = var.ssh_username
  ssh_private_key_file = var.ssh_private_key_file
  ssh_timeout          = "2m"
}

build {
  sources = ["source.null.local"]

  provisioner "shell-local" {
    inline = [
      "echo 'demo: rosco key  ${local.bake.rosco_key["us-east-1"]}'",
      "echo 'demo: strict key ${local.bake.key}'",
      "echo 'demo: image name ${local.bake.image_name}'",
      "echo 'demo: packages   ${local.bake.packages}'",
    ]
  }

  provisioner "spinnaker-packages" {
    repositories {
      url             = var.repo_url
      key_url         = var.repo_key_url
      key_fingerprint = var.repo_key_fingerprint
      name            = "demo"
    }
    # Rosco's packages parameter, e.g. "hello-svc=1.0.0-h5": pinned while 1.0.1-h6 is available.
    packages = local.bake.packages
    services = ["hello-svc"]
  }
}
