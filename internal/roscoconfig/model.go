package roscoconfig

// The yaml tags are the canonical form of Rosco's property names: lower
// case, without '-' or '_' (see canonicalKey), so that every spelling
// Spring's relaxed binding accepts decodes into the same field.

// Config is what the package reads from rosco.yml.
type Config struct {
	AWS                  AWS    `yaml:"aws"`
	DebianRepository     string `yaml:"debianrepository"`
	YumRepository        string `yaml:"yumrepository"`
	ChocolateyRepository string `yaml:"chocolateyrepository"`
}

// AWS is the aws section; only its bakery defaults matter here.
type AWS struct {
	BakeryDefaults BakeryDefaults `yaml:"bakerydefaults"`
}

// BakeryDefaults is aws.bakeryDefaults. Rosco's credentials, subnet and VPC
// settings are deliberately not read: the plugin uses the AWS credential
// chain, and the template sets its own network.
type BakeryDefaults struct {
	TemplateFile              string          `yaml:"templatefile"`
	DefaultVirtualizationType string          `yaml:"defaultvirtualizationtype"`
	BaseImages                []BaseImageSpec `yaml:"baseimages"`
}

// BaseImageSpec is one entry of baseImages: the image and its settings per
// region and virtualization type.
type BaseImageSpec struct {
	BaseImage              BaseImage                `yaml:"baseimage"`
	VirtualizationSettings []VirtualizationSettings `yaml:"virtualizationsettings"`
}

// BaseImage is baseImages[].baseImage.
type BaseImage struct {
	ID                  string `yaml:"id"`
	ShortDescription    string `yaml:"shortdescription"`
	DetailedDescription string `yaml:"detaileddescription"`
	PackageType         string `yaml:"packagetype"`
	TemplateFile        string `yaml:"templatefile"`
	OSType              string `yaml:"ostype"`
	CustomRepository    string `yaml:"customrepository"`
}

// VirtualizationSettings is baseImages[].virtualizationSettings[]. Scalars
// decode as their text, so `spotPrice: 0` is the string "0", as in Rosco.
type VirtualizationSettings struct {
	Region               string `yaml:"region"`
	VirtualizationType   string `yaml:"virtualizationtype"`
	InstanceType         string `yaml:"instancetype"`
	SourceAMI            string `yaml:"sourceami"`
	MostRecent           bool   `yaml:"mostrecent"`
	SSHUserName          string `yaml:"sshusername"`
	WinRMUserName        string `yaml:"winrmusername"`
	SpotPrice            string `yaml:"spotprice"`
	SpotPriceAutoProduct string `yaml:"spotpriceautoproduct"`
}
