package roscoconfig

import (
	"fmt"
	"strings"
)

// Request is the part of a bake request that selects settings.
type Request struct {
	BaseOS string
	Region string
	// VMType is "hvm" or "pv"; "" takes defaultVirtualizationType, then "hvm".
	VMType string
	// BaseAMI, when set, replaces the configured sourceAmi (id or name).
	BaseAMI string
	// TemplateFileName, when set, replaces the configured template file.
	TemplateFileName string
	// Account names where base images are looked up, for error messages only
	// (the plugin passes its owners, comma separated).
	Account string
}

// Settings is what Rosco would pass to Packer for a request.
type Settings struct {
	// VMType is the virtualization type the settings were chosen for.
	VMType string
	// SourceAMI is the request's base AMI or the configured sourceAmi. It may
	// be an image name, to be resolved in EC2 (newest first when MostRecent).
	SourceAMI  string
	MostRecent bool
	// InstanceType, SSHUsername and WinRMUsername are the configured values.
	InstanceType  string
	SSHUsername   string
	WinRMUsername string
	// PackageType is deb, rpm or nupkg, from the base image (not the request).
	PackageType string
	// TemplateFile: the request's, else the base image's, else the default.
	TemplateFile string
	// Repository: customRepository, else the repository of the package type.
	Repository string
	// SpotPrice is sent when set at all; Rosco treats the string "0" as set.
	SpotPrice string
	// SpotPriceAutoProduct is sent only when SpotPrice is "auto".
	SpotPriceAutoProduct string
}

// DefaultVMType is Rosco's default when neither the request nor
// defaultVirtualizationType names one.
const DefaultVMType = "hvm"

// Resolve finds the settings for r, like Rosco's findVirtualizationSettings
// and buildParameterMap. Errors for missing settings carry Rosco's messages,
// word for word (hence their capitals and full stops), so that users
// searching for them find Rosco's documentation and issues.
func (c *Config) Resolve(r Request) (Settings, error) {
	b := c.AWS.BakeryDefaults
	vmType, err := c.VMType(r.VMType)
	if err != nil {
		return Settings{}, err
	}

	var image *BaseImageSpec
	for i := range b.BaseImages {
		if b.BaseImages[i].BaseImage.ID == r.BaseOS {
			image = &b.BaseImages[i]
			break
		}
	}
	if image == nil || r.BaseOS == "" {
		return Settings{}, fmt.Errorf("No virtualization settings found for '%s'.", orNull(r.BaseOS))
	}
	var vs *VirtualizationSettings
	for i := range image.VirtualizationSettings {
		s := &image.VirtualizationSettings[i]
		if s.Region == r.Region && strings.EqualFold(s.VirtualizationType, vmType) {
			vs = s
			break
		}
	}
	if vs == nil {
		return Settings{}, fmt.Errorf("No virtualization settings found for region '%s', operating system '%s', and vm type '%s'.",
			orNull(r.Region), r.BaseOS, vmType)
	}

	out := Settings{
		VMType:        vmType,
		SourceAMI:     vs.SourceAMI,
		MostRecent:    vs.MostRecent,
		InstanceType:  vs.InstanceType,
		SSHUsername:   vs.SSHUserName,
		WinRMUsername: vs.WinRMUserName,
		SpotPrice:     vs.SpotPrice,
		TemplateFile:  firstSet(r.TemplateFileName, image.BaseImage.TemplateFile, b.TemplateFile),
	}
	if r.BaseAMI != "" {
		out.SourceAMI = r.BaseAMI
	}
	if out.SourceAMI == "" {
		// Rosco would now try its dynamic base-AMI property, which has no
		// equivalent here, and fail the same way when that is unset too.
		return Settings{}, NoBaseImageError(r, vmType, "")
	}
	if vs.SpotPrice == "auto" {
		out.SpotPriceAutoProduct = vs.SpotPriceAutoProduct
	}
	out.PackageType, err = packageType(image.BaseImage)
	if err != nil {
		return Settings{}, err
	}
	out.Repository = firstSet(image.BaseImage.CustomRepository, c.repositoryFor(out.PackageType))
	if err := out.checkPlaceholders(); err != nil {
		return Settings{}, err
	}
	return out, nil
}

// VMType returns the virtualization type a request gets: its own, else
// defaultVirtualizationType, else hvm. Rosco only knows hvm and pv.
func (c *Config) VMType(requested string) (string, error) {
	vm := strings.ToLower(firstSet(requested, c.AWS.BakeryDefaults.DefaultVirtualizationType, DefaultVMType))
	if vm != "hvm" && vm != "pv" {
		return "", fmt.Errorf("vm_type %q is not one of hvm, pv", vm)
	}
	return vm, nil
}

func packageType(img BaseImage) (string, error) {
	switch t := strings.ToLower(img.PackageType); t {
	case "deb", "rpm", "nupkg":
		return t, nil
	case "":
		return "", fmt.Errorf("rosco_config: base image '%s' has no packageType", img.ID)
	default:
		return "", fmt.Errorf("rosco_config: base image '%s' has packageType %q, not one of deb, rpm, nupkg", img.ID, img.PackageType)
	}
}

func (c *Config) repositoryFor(packageType string) string {
	switch packageType {
	case "deb":
		return c.DebianRepository
	case "rpm":
		return c.YumRepository
	case "nupkg":
		return c.ChocolateyRepository
	}
	return ""
}

// checkPlaceholders refuses values Spring would have resolved: passing
// "${...}" on to Packer would bake with a literal placeholder.
func (s Settings) checkPlaceholders() error {
	for name, v := range map[string]string{
		"sourceAmi": s.SourceAMI, "instanceType": s.InstanceType, "sshUserName": s.SSHUsername,
		"winRmUserName": s.WinRMUsername, "templateFile": s.TemplateFile, "repository": s.Repository,
		"spotPrice": s.SpotPrice, "spotPriceAutoProduct": s.SpotPriceAutoProduct,
	} {
		if strings.Contains(v, "${") {
			return fmt.Errorf("rosco_config: %s %q uses a Spring placeholder, which is not resolved here; write the value itself", name, v)
		}
	}
	return nil
}

// NoBaseImageError is Rosco's error when no source AMI can be had, for a
// missing sourceAmi or an image name that matches nothing. label is Rosco's
// base_label, which this plugin does not use: "" prints as Rosco's null.
func NoBaseImageError(r Request, vmType, label string) error {
	return fmt.Errorf("No base image found for os '%s', vm type '%s', region '%s', label: '%s', account: '%s'",
		orNull(r.BaseOS), vmType, orNull(r.Region), orNull(label), orNull(r.Account))
}

// orNull prints an unset value the way Rosco's Groovy strings print null.
func orNull(s string) string {
	if s == "" {
		return "null"
	}
	return s
}

func firstSet(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
