# The `spinnaker-packages` provisioner in a template shaped like Rosco's docker.json: the same
# variables, the docker builder committing the container, then docker-tag and docker-push.
# Rosco's docker template passes no `upgrade` to its script; `upgrade` and `build_host` are
# declared only because Rosco may send them and HCL2 refuses an undeclared -var.

packer {
  required_version = ">= 1.10.0"
  required_plugins {
    spinnaker = {
      source  = "github.com/spinnaker-bakery/spinnaker"
      version = ">= 0.1.0"
    }
    docker = {
      source  = "github.com/hashicorp/docker"
      version = ">= 1.0.0"
    }
  }
}

variable "docker_source_image" {
  type = string
}

variable "docker_target_image" {
  type = string
}

variable "docker_target_image_tag" {
  type    = string
  default = "latest"
}

variable "docker_target_repository" {
  type = string
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

variable "configDir" {
  type    = string
  default = ""
}

source "docker" "rosco" {
  image  = var.docker_source_image
  commit = true
}

build {
  sources = ["source.docker.rosco"]

  # A container runs no init and no cloud-init: nothing to wait for, and policy-rc.d keeps
  # package scripts from starting services.
  provisioner "spinnaker-packages" {
    repository          = var.repository
    package_type        = var.package_type
    packages            = var.packages
    wait_for_cloud_init = false
  }

  post-processors {
    post-processor "docker-tag" {
      repository = "${var.docker_target_repository}/${var.docker_target_image}"
      tags       = [var.docker_target_image_tag]
    }
    post-processor "docker-push" {}
  }
}
