# The spinnaker-ebs template of test/e2e/builder_request_test.go and the fault matrix: it bakes
# hello-svc with the key from the builder's bake block and exposes, as variables, the amazon-ebs
# options a cache hit must honour: encrypt_boot (part of the image spec) and the sharing,
# deprecation, deregistration protection and image and snapshot tags a hit applies. Its other
# variables are those ebsEnv.varArgs sets.
variable "source_ami" { type = string }
variable "repository_url" { type = string }
variable "repository_key_url" { type = string }
variable "repository_key_fingerprint" { type = string }
variable "ssh_username" { type = string }
variable "ssh_keypair_name" { type = string }
variable "ssh_private_key_file" { type = string }
variable "ec2_endpoint" { type = string }
variable "poll_delay_seconds" { type = number }
variable "encrypt_boot" {
  type    = bool
  default = false
}
variable "ami_users" {
  type    = list(string)
  default = []
}
variable "snapshot_users" {
  type    = list(string)
  default = []
}
variable "deprecate_at" {
  type    = string
  default = ""
}
variable "extra_tags" {
  type    = map(string)
  default = {}
}
variable "deregistration_protection" {
  type    = bool
  default = false
}
variable "deregistration_cooldown" {
  type    = bool
  default = false
}
variable "snapshot_tags" {
  type    = map(string)
  default = {}
}
variable "sbom_file" {
  type        = string
  description = "The builder's sbom_file; the provisioner writes none, so a bake with it fails after amazon-ebs."
  default     = ""
}
variable "appversion" {
  type    = string
  default = "hello-svc-1.0.1-h6/hello-svc/7"
}
variable "claim_ttl" {
  type    = string
  default = "5m"
}
variable "build_number" {
  type    = string
  default = "7"
}
variable "ami_regions" {
  type    = list(string)
  default = ["eu-west-1"]
}
variable "key_salt" {
  type        = string
  description = "Enters the key: another salt, another key."
  default     = ""
}
variable "key_repositories" {
  type        = list(string)
  description = "More repositories for the key only (the provisioner does not use them)."
  default     = []
}
variable "run_label" {
  type        = string
  description = "Unused by the build: tells one packer process from another in ps."
  default     = ""
}

source "spinnaker-ebs" "app" {
  bake {
    packages         = ["hello-svc_1.0.1-h6_all"]
    base_os          = "debian"
    base_ami         = var.source_ami
    package_type     = "deb"
    repositories     = concat([var.repository_url], var.key_repositories)
    build_number     = var.build_number
    extra_key_inputs = { salt = var.key_salt }
  }
  claim_ttl = var.claim_ttl

  region         = "us-east-1"
  ami_regions    = var.ami_regions
  source_ami     = var.source_ami
  instance_type  = "t3.micro"
  ami_name       = "hello-svc-req-{{timestamp}}"
  encrypt_boot   = var.encrypt_boot
  ami_users      = var.ami_users
  snapshot_users = var.snapshot_users
  deprecate_at   = var.deprecate_at
  snapshot_tags  = var.snapshot_tags
  sbom_file      = var.sbom_file
  deregistration_protection {
    enabled       = var.deregistration_protection
    with_cooldown = var.deregistration_cooldown
  }
  tags = merge({
    appversion     = var.appversion
    build_host     = "https://ci.example.com"
    build_info_url = "https://ci.example.com/job/app/7"
  }, var.extra_tags)

  communicator               = "ssh"
  ssh_username               = var.ssh_username
  ssh_keypair_name           = var.ssh_keypair_name
  ssh_private_key_file       = var.ssh_private_key_file
  ssh_timeout                = "5m"
  custom_endpoint_ec2        = var.ec2_endpoint
  skip_credential_validation = true
  aws_polling { delay_seconds = var.poll_delay_seconds }
}

build {
  sources = ["source.spinnaker-ebs.app"]
  provisioner "spinnaker-packages" {
    repositories {
      url     = var.repository_url
      key_url         = var.repository_key_url
      key_fingerprint = var.repository_key_fingerprint
      name            = "app"
    }
    package_list = ["hello-svc_1.0.1-h6_all"]
    services     = ["hello-svc"]
  }
}
