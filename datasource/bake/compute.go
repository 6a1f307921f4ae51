package bake

import (
	"fmt"
	"strings"
	"time"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/rosco"
	"github.com/spinnaker-bakery/packer-plugin-spinnaker/internal/strictkey"
)

// compute derives every output from a prepared configuration. It is pure: the clock comes in as
// now, so tests pin Rosco's millisecond release for image names without ami_suffix.
func compute(c Config, now time.Time) (DatasourceOutput, error) {
	pkgType := rosco.PackageType(c.PackageType)
	req := c.roscoRequest()

	packages, err := rosco.PackagesParameter(pkgType, req.PackageName)
	if err != nil {
		return DatasourceOutput{}, fmt.Errorf("package_name: %w", err)
	}
	imageName, err := rosco.ImageName(pkgType, req, now.UnixMilli())
	if err != nil {
		return DatasourceOutput{}, fmt.Errorf("image name: %w", err)
	}
	appVersion, _, err := rosco.AppVersion(pkgType, req)
	if err != nil {
		return DatasourceOutput{}, fmt.Errorf("appversion: %w", err)
	}

	regions := c.regions()
	roscoKeys := make(map[string]string, len(regions))
	for _, region := range regions {
		roscoKeys[region] = rosco.BakeKey(req, region, c.VMType)
	}

	// The install script turns commas into spaces, so the list is what really gets installed.
	packageList := strings.Fields(strings.ReplaceAll(packages, ",", " "))
	key, document, err := strictkey.Compute(c.strictInputs(packageList))
	if err != nil {
		return DatasourceOutput{}, fmt.Errorf("strict key: %w", err)
	}

	return DatasourceOutput{
		RoscoKey:    roscoKeys,
		Key:         key,
		KeyDocument: string(document),
		ImageName:   imageName,
		AppVersion:  appVersion,
		Packages:    packages,
		PackageList: packageList,
		PackageType: c.PackageType,
		Region:      regions[0],
	}, nil
}

// roscoRequest maps the configuration onto Rosco's bake request.
func (c Config) roscoRequest() rosco.Request {
	artifacts := make([]rosco.Artifact, 0, len(c.PackageArtifacts))
	for _, a := range c.PackageArtifacts {
		artifacts = append(artifacts, rosco.Artifact{Name: a.Name, Reference: a.Reference})
	}
	return rosco.Request{
		PackageName:        c.packageString(),
		PackageArtifacts:   artifacts,
		BaseOS:             c.BaseOS,
		BaseAMI:            c.BaseAMI,
		AMIName:            c.AMIName,
		AMISuffix:          c.AMISuffix,
		TemplateFileName:   c.TemplateFileName,
		VarFileName:        c.VarFileName,
		VMType:             c.VMType,
		EnhancedNetworking: c.EnhancedNetworking,
		CloudProviderType:  c.CloudProviderType,
		BuildNumber:        c.BuildNumber,
		CommitHash:         c.CommitHash,
		Job:                c.Job,
		BuildInfoURL:       c.BuildInfoURL,
		Upgrade:            c.Upgrade == "true",
	}
}

// strictInputs collects what changes the image's content, for the strict key.
func (c Config) strictInputs(packageList []string) strictkey.Inputs {
	artifacts := make([]strictkey.Artifact, 0, len(c.PackageArtifacts))
	for _, a := range c.PackageArtifacts {
		artifacts = append(artifacts, strictkey.Artifact{Name: a.Name, Reference: a.Reference})
	}
	return strictkey.Inputs{
		CloudProviderType:  c.CloudProviderType,
		BaseOS:             c.BaseOS,
		BaseAMI:            c.BaseAMI,
		SourceAMI:          c.sourceAMI,
		AMIName:            c.AMIName,
		TemplateFileName:   c.TemplateFileName,
		VarFileName:        c.VarFileName,
		VMType:             c.VMType,
		EnhancedNetworking: c.EnhancedNetworking,
		PackageType:        c.PackageType,
		Packages:           packageList,
		PackageArtifacts:   artifacts,
		Repositories:       c.repositories(),
		Upgrade:            c.Upgrade == "true",
		Extra:              c.ExtraKeyInputs,
	}
}
