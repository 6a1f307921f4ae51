package ebs

import (
	"fmt"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// checkBakedFrom makes sure amazon-ebs launched its instance from the source
// AMI the key and the image spec were computed from (want), before the key
// makes its images hits. amazon-ebs reports the AMI it launched from as
// SourceAMI in the generated data its artifact carries (the image its
// StepSourceAMIInfo found). innerRaws pins source_ami, so a mismatch means
// amazon-ebs changed how it reads the options: tagging its images with this
// key would make them wrong hits for every later build of the old base.
func checkBakedFrom(art packersdk.Artifact, want string) error {
	data, _ := art.State("generated_data").(map[string]interface{})
	got, _ := data["SourceAMI"].(string)
	switch {
	case got == "":
		return fmt.Errorf("amazon-ebs did not report the source AMI its images were launched from (generated data SourceAMI), so they cannot be checked against %s, the source AMI of the key and the image spec", want)
	case got != want:
		return fmt.Errorf("amazon-ebs launched from source AMI %s, but the key and the image spec were computed for %s: its images would be wrong hits, so they are removed instead of tagged", got, want)
	}
	return nil
}
