package rosco

// Artifact is the part of a Spinnaker artifact Rosco reads from
// package_artifacts: the name feeds the image name and appversion, the
// reference feeds the bake key. An empty string stands for Java's null; Rosco
// treats both alike for these fields.
type Artifact struct {
	Name      string
	Reference string
}

// Attribute is one extended_attributes entry. Rosco receives the map as JSON
// and keeps its order (Jackson builds a LinkedHashMap), so callers pass the
// entries in the order the user wrote them.
type Attribute struct {
	Key   string
	Value string
}

// Request holds the fields of Rosco's BakeRequest that the AWS path reads.
// Empty strings stand for Java's null: every rule below treats null and ""
// alike for these fields.
type Request struct {
	PackageName      string // the space-separated package list ("package" in JSON)
	PackageArtifacts []Artifact

	BaseOS           string
	BaseAMI          string // as requested: an AMI id or an image name, not the resolved id
	AMIName          string
	AMISuffix        string
	TemplateFileName string
	VarFileName      string

	VMType             string // "hvm" or "pv"; empty means the configured default
	EnhancedNetworking bool
	CloudProviderType  string // empty means "aws", as Rosco's controller defaults it

	BuildNumber string
	CommitHash  string
	Job         string

	// The fields below reach packer as variables but, in Rosco, change
	// neither the bake key nor the names.
	BuildHost          string
	BuildInfoURL       string
	Upgrade            bool
	ExtendedAttributes []Attribute
}
