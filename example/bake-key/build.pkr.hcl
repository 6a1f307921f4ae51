# Computes Rosco's bake key, image name, appversion and packages parameter for the request of
# Rosco's AWSBakeHandlerSpec, and prints them. No cloud and no machine are needed. The request is
# Rosco's test case as written, deb packages on a "centos" base included; the README's data source
# template pairs them as a real bake would.
#
#   packer init . && packer build .
# `packer init` needs a published release; until then `make install` at the repository root
# installs the plugin and `packer init` has nothing to do (README, Quick start). Plain
# `packer validate` does not run data sources: use `packer validate -evaluate-datasources .`.

packer {
  required_plugins {
    spinnaker = {
      source  = "github.com/spinnaker-bakery/spinnaker"
      version = ">= 0.1.0"
    }
  }
}

data "spinnaker-bake" "kato" {
  package_name = "kato nflx-djangobase-enhanced_0.1-h12.170cdbd_all mongodb"
  base_os      = "centos"
  vm_type      = "hvm"
  package_type = "deb"
  region       = "us-east-1"
  ami_suffix   = "20240131235959"
  build_number = "12"
  commit_hash  = "170cdbd"
  # Only compute; example/lookup shows finding an existing image in EC2.
  lookup = "none"
}

locals {
  bake = data.spinnaker-bake.kato
}

source "null" "print" {
  communicator = "none"
}

build {
  sources = ["source.null.print"]

  provisioner "shell-local" {
    inline = [
      "echo 'rosco_key=${local.bake.rosco_key["us-east-1"]}'",
      "echo 'key=${local.bake.key}'",
      "echo 'image_name=${local.bake.image_name}'",
      "echo 'appversion=${local.bake.appversion}'",
      "echo 'packages=${local.bake.packages}'",
    ]
  }
}
