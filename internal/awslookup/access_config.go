//go:generate go tool packer-sdc mapstructure-to-hcl2 -type AssumeRoleConfig
//go:generate go tool packer-sdc struct-markdown

package awslookup

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// AccessConfig holds the AWS access options, named as in the amazon plugin.
// It is meant to be squashed into a component's Config. The regions are not
// part of it: they belong to the component (the bake key depends on them).
type AccessConfig struct {
	// The access key used to communicate with AWS. If not set, the SDK's
	// standard chain is used: environment (`AWS_ACCESS_KEY_ID`), shared
	// credentials file, profile, container or instance metadata.
	AccessKey string `mapstructure:"access_key"`
	// The secret key used to communicate with AWS. Required with `access_key`.
	SecretKey string `mapstructure:"secret_key"`
	// The session token of temporary `access_key`/`secret_key` credentials.
	Token string `mapstructure:"token"`
	// The profile to use from the shared configuration and credentials files.
	Profile string `mapstructure:"profile"`
	// Path to a credentials file to load instead of `$HOME/.aws/credentials`.
	SharedCredentialsFile string `mapstructure:"shared_credentials_file"`
	// A role to assume with STS, using the credentials above to assume it.
	AssumeRole AssumeRoleConfig `mapstructure:"assume_role"`
	// The URL of the EC2 endpoint, e.g. a VPC endpoint, or a local fake in tests.
	CustomEndpointEC2 string `mapstructure:"custom_endpoint_ec2"`
	// How often a throttled or transiently failing call is tried, with
	// exponential backoff between tries. The meaning is amazon-ebs's, so that
	// the option means the same in every component of this plugin: despite
	// the name, the number counts every attempt, the first included
	// (`max_retries = 3` makes at most 3 calls). Default 10, as in amazon-ebs.
	MaxRetries int `mapstructure:"max_retries"`
}

// DefaultMaxRetries is amazon-ebs's default for max_retries: attempts per call in all.
const DefaultMaxRetries = 10

// AssumeRoleConfig is the `assume_role` block.
type AssumeRoleConfig struct {
	// The ARN of the role to assume. Setting it enables assume role.
	RoleARN string `mapstructure:"role_arn"`
	// The session name to use when assuming the role.
	SessionName string `mapstructure:"session_name"`
	// The external ID the role's trust policy requires, if any.
	ExternalID string `mapstructure:"external_id"`
}

// Prepare checks the options; errors name the option and, except for
// secrets, the value.
func (c *AccessConfig) Prepare() []error {
	var errs []error
	if (c.AccessKey == "") != (c.SecretKey == "") {
		errs = append(errs, errors.New("access_key and secret_key must be set together"))
	}
	if c.Token != "" && c.AccessKey == "" {
		errs = append(errs, errors.New("token needs access_key and secret_key"))
	}
	switch {
	case c.MaxRetries < 0:
		errs = append(errs, fmt.Errorf("max_retries must not be negative, got %d", c.MaxRetries))
	case c.MaxRetries == 0:
		c.MaxRetries = DefaultMaxRetries
	}
	if c.CustomEndpointEC2 != "" {
		u, err := url.Parse(c.CustomEndpointEC2)
		if err != nil || u.Scheme == "" || u.Host == "" {
			errs = append(errs, fmt.Errorf("custom_endpoint_ec2 %q is not an absolute URL", c.CustomEndpointEC2))
		}
	}
	if c.AssumeRole.RoleARN == "" && (c.AssumeRole.SessionName != "" || c.AssumeRole.ExternalID != "") {
		errs = append(errs, errors.New("assume_role needs role_arn"))
	}
	return errs
}

// AWSConfig builds the SDK configuration for a region through the standard
// chain. Explicit options win over the chain: static keys over environment
// and files, profile and shared_credentials_file over their defaults, and
// assume_role wraps whatever the chain resolved. extra load options are
// applied last (tests use them for a faster retry backoff). Secrets are
// handed to the SDK only, never formatted into errors or logs.
func (c AccessConfig) AWSConfig(ctx context.Context, region string, extra ...func(*config.LoadOptions) error) (aws.Config, error) {
	if region == "" {
		return aws.Config{}, errors.New("aws config: region must be set")
	}
	opts := []func(*config.LoadOptions) error{config.WithRegion(region)}
	if c.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(c.Profile))
	}
	if c.SharedCredentialsFile != "" {
		opts = append(opts, config.WithSharedCredentialsFiles([]string{c.SharedCredentialsFile}))
	}
	if c.AccessKey != "" {
		opts = append(opts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(c.AccessKey, c.SecretKey, c.Token)))
	}
	opts = append(opts, extra...)

	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load aws config for %s: %w", region, err)
	}
	if c.MaxRetries > 0 {
		// Wrap whatever retryer was resolved (the SDK's standard one unless a
		// caller supplied another) so that max_retries wins over AWS_MAX_ATTEMPTS.
		resolved := cfg.Retryer
		cfg.Retryer = func() aws.Retryer {
			var r aws.Retryer = retry.NewStandard()
			if resolved != nil {
				r = resolved()
			}
			return retry.AddWithMaxAttempts(r, c.MaxRetries)
		}
		cfg.RetryMaxAttempts = 0
	}
	if c.AssumeRole.RoleARN != "" {
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(
			sts.NewFromConfig(cfg), c.AssumeRole.RoleARN, func(o *stscreds.AssumeRoleOptions) {
				if c.AssumeRole.SessionName != "" {
					o.RoleSessionName = c.AssumeRole.SessionName
				}
				if c.AssumeRole.ExternalID != "" {
					o.ExternalID = aws.String(c.AssumeRole.ExternalID)
				}
			}))
	}
	return cfg, nil
}
