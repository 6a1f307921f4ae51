package bakerequest

import (
	"fmt"
	"strings"
	"time"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/redact"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/rosco"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/strictkey"
)

// Result is what Rosco computes for a bake request, plus the strict key.
type Result struct {
	// RoscoKeys maps each region asked for to Rosco's bake key there.
	RoscoKeys map[string]string
	// Key is the strict key; KeyDocument is the canonical JSON it hashes.
	Key         string
	KeyDocument string
	ImageName   string
	// AppVersion is "" where Rosco sets no appversion.
	AppVersion string
	// Packages is Rosco's packages parameter; PackageList is what gets installed, one entry each.
	Packages    string
	PackageList []string
}

// Compute derives every value from prepared inputs (see Prepare). sourceAMI is the AMI id the bake
// starts from in the build region, for the strict key; regions are the regions to compute Rosco's
// key for (none is fine). It is pure: the clock comes in as now, so callers pin Rosco's
// millisecond release for image names without ami_suffix.
func Compute(in Inputs, sourceAMI string, regions []string, now time.Time) (Result, error) {
	pkgType := rosco.PackageType(in.PackageType)
	public := in.redacted()
	req := public.roscoRequest()

	// The packages parameter is what gets installed, so it keeps the request's text as given;
	// everything that describes the bake (keys, names, errors) comes from the masked copy.
	publicPackages, err := rosco.PackagesParameter(pkgType, req.PackageName)
	if err != nil {
		return Result{}, fmt.Errorf("package_name: %w", err)
	}
	packages, err := rosco.PackagesParameter(pkgType, in.PackageString())
	if err != nil {
		return Result{}, fmt.Errorf("package_name: %q: %s", req.PackageName, redact.URLCredentials(err.Error()))
	}
	imageName, err := rosco.ImageName(pkgType, req, now.UnixMilli())
	if err != nil {
		return Result{}, fmt.Errorf("image name: %w", err)
	}
	appVersion, _, err := rosco.AppVersion(pkgType, req)
	if err != nil {
		return Result{}, fmt.Errorf("appversion: %w", err)
	}

	roscoKeys := make(map[string]string, len(regions))
	for _, region := range regions {
		roscoKeys[region] = rosco.BakeKey(req, region, in.VMType)
	}

	// The install script turns commas into spaces, so the list is what really gets installed.
	packageList := installTokens(packages)
	key, document, err := strictkey.Compute(public.strictInputs(sourceAMI, installTokens(publicPackages)))
	if err != nil {
		return Result{}, fmt.Errorf("strict key: %w", err)
	}
	return Result{
		RoscoKeys:   roscoKeys,
		Key:         key,
		KeyDocument: string(document),
		ImageName:   imageName,
		AppVersion:  appVersion,
		Packages:    packages,
		PackageList: packageList,
	}, nil
}

func installTokens(packages string) []string {
	return strings.Fields(strings.ReplaceAll(packages, ",", " "))
}

// roscoRequest maps the inputs onto Rosco's bake request.
func (in Inputs) roscoRequest() rosco.Request {
	artifacts := make([]rosco.Artifact, 0, len(in.PackageArtifacts))
	for _, a := range in.PackageArtifacts {
		artifacts = append(artifacts, rosco.Artifact{Name: a.Name, Reference: a.Reference})
	}
	return rosco.Request{
		PackageName:        in.PackageString(),
		PackageArtifacts:   artifacts,
		BaseOS:             in.BaseOS,
		BaseAMI:            in.BaseAMI,
		AMIName:            in.AMIName,
		AMISuffix:          in.AMISuffix,
		TemplateFileName:   in.TemplateFileName,
		VarFileName:        in.VarFileName,
		VMType:             in.VMType,
		EnhancedNetworking: in.EnhancedNetworking,
		CloudProviderType:  in.CloudProviderType,
		BuildNumber:        in.BuildNumber,
		CommitHash:         in.CommitHash,
		Job:                in.Job,
		BuildInfoURL:       in.BuildInfoURL,
		Upgrade:            in.Upgrade == "true",
	}
}

// strictInputs collects what changes the image's content, for the strict key.
func (in Inputs) strictInputs(sourceAMI string, packageList []string) strictkey.Inputs {
	artifacts := make([]strictkey.Artifact, 0, len(in.PackageArtifacts))
	for _, a := range in.PackageArtifacts {
		artifacts = append(artifacts, strictkey.Artifact{Name: a.Name, Reference: a.Reference})
	}
	return strictkey.Inputs{
		CloudProviderType:  in.CloudProviderType,
		BaseOS:             in.BaseOS,
		BaseAMI:            in.BaseAMI,
		SourceAMI:          sourceAMI,
		AMIName:            in.AMIName,
		TemplateFileName:   in.TemplateFileName,
		VarFileName:        in.VarFileName,
		VMType:             in.VMType,
		EnhancedNetworking: in.EnhancedNetworking,
		PackageType:        in.PackageType,
		Packages:           packageList,
		PackageArtifacts:   artifacts,
		Repositories:       in.RepositoryList(),
		Upgrade:            in.Upgrade == "true",
		Extra:              in.ExtraKeyInputs,
	}
}
