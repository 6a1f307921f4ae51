# Looks for an image already baked for this request, in two regions, and prints what the
# spinnaker-bake datasource found. Nothing is launched: the source is `null`.
#
# Against real AWS, drop custom_endpoint_ec2 and let the SDK find credentials as usual.
# Offline, run the EC2 fake on loopback with the images of images.json:
#   go run ./test/ec2fake/cmd/ec2fake -seed example/lookup/images.json   # prints endpoint=<url>
#   AWS_ACCESS_KEY_ID=fake AWS_SECRET_ACCESS_KEY=fake AWS_EC2_METADATA_DISABLED=true \
#     packer build -var ec2_endpoint=<url> example/lookup
# images.json holds the image this request's key and image spec find in both regions: the build
# prints found=true.
# packer validate does not run data sources; validate with `packer validate -evaluate-datasources`.

packer {
  required_plugins {
    spinnaker = {
      source  = "github.com/spinnaker-bakery/spinnaker"
      version = ">= 0.1.0"
    }
  }
}

variable "ec2_endpoint" {
  type        = string
  description = "EC2 endpoint URL, e.g. the loopback fake; empty for AWS itself."
  default     = ""
}

data "spinnaker-bake" "app" {
  package_name = "hello-svc_1.0.1-h6_all"
  base_os      = "noble"
  base_ami     = "ami-0a1b2c3d4e5f60718"
  region       = "us-east-1"
  regions      = ["us-west-2"]
  ami_suffix   = "20261121120000"

  # The key and the image spec; without an image_spec block the spec is amazon-ebs's defaults
  # from base_ami, the images a spinnaker-ebs build with default options would reuse.
  lookup              = "key"
  custom_endpoint_ec2 = var.ec2_endpoint
  max_retries         = 3
  # As in amazon-ebs, the credentials are checked with STS first; a local EC2 endpoint has no STS.
  skip_credential_validation = var.ec2_endpoint != ""
}

locals {
  bake = data.spinnaker-bake.app
}

source "null" "print" {
  communicator = "none"
}

build {
  sources = ["source.null.print"]

  provisioner "shell-local" {
    # Packer shows a data source's warnings only in its log (PACKER_LOG=1): print them, one line each.
    inline = concat([
      "echo 'key=${local.bake.key}'",
      "echo 'image_spec_digest=${local.bake.image_spec_digest}'",
      "echo 'found=${local.bake.found}'",
      "echo 'ami_id=${local.bake.ami_id}'",
      "echo 'ami_ids=${jsonencode(local.bake.ami_ids)}'",
      "echo 'missing_regions=${join(",", local.bake.missing_regions)}'",
      "echo 'image_name=${local.bake.image.name}'",
      "echo 'image_created=${local.bake.image.creation_date}'",
      "echo 'image_tags=${jsonencode(local.bake.image.tags)}'",
      "echo 'source_ami=${jsonencode(local.bake.source_ami)}'",
      "echo 'rosco_image_name=${local.bake.image_name}'",
    ], [for w in local.bake.lookup_warnings : "echo 'warning=${replace(w, "'", "'\\''")}'"])
  }
}
