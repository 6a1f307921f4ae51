# The `spinnaker-packages` provisioner in a template shaped like Rosco's gce.json: Rosco's
# artifacts.json is read on the Packer host through `artifacts_file` (no `file` provisioner and
# no jq on the image), then `repository`, `package_type`, `packages` and `upgrade` as before, and
# a manifest post-processor writes `manifestFile` for Rosco.
#
# The source here is `null`: validating this file must not need the googlecompute plugin, which
# takes minutes to build from source in CI. In your template, keep your `source "googlecompute"`
# (project_id = var.gce_project_id, zone = var.gce_zone, image_name = var.gce_target_image, ...)
# and use this build block unchanged.

packer {
  required_version = ">= 1.10.0"
  required_plugins {
    spinnaker = {
      source  = "github.com/spinnaker-bakery/spinnaker"
      version = ">= 0.1.0"
    }
  }
}

variable "gce_project_id" {
  type = string
}

variable "gce_zone" {
  type = string
}

variable "gce_target_image" {
  type = string
}

variable "gce_account_file" {
  type    = string
  default = ""
}

variable "gce_source_image" {
  type    = string
  default = ""
}

variable "gce_source_image_family" {
  type    = string
  default = ""
}

variable "gce_target_image_family" {
  type    = string
  default = ""
}

variable "gce_network" {
  type    = string
  default = ""
}

variable "gce_network_project_id" {
  type    = string
  default = ""
}

variable "gce_subnetwork" {
  type    = string
  default = ""
}

variable "gce_use_internal_ip" {
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

variable "configDir" {
  type    = string
  default = ""
}

variable "manifestFile" {
  type        = string
  description = "Where the manifest post-processor writes the build result for Rosco."
}

variable "artifactFile" {
  type        = string
  default     = ""
  description = "Rosco's artifacts.json on the Packer host; empty for none."
}

source "null" "rosco" {
  communicator = "none"
}

build {
  sources = ["source.null.rosco"]

  provisioner "spinnaker-packages" {
    repository     = var.repository
    package_type   = var.package_type
    packages       = var.packages
    upgrade        = var.upgrade
    artifacts_file = var.artifactFile
  }

  post-processor "manifest" {
    output = var.manifestFile
  }
}
