package awslookup

import (
	"errors"
	"fmt"

	"github.com/aws/smithy-go"
)

// RegionError is a failed EC2 call in one region, after the SDK's retries.
// Its message is "<region>: <operation>: <code>: <message>" for EC2 errors,
// e.g. "us-west-2: DescribeImages: UnauthorizedOperation: You are not …".
type RegionError struct {
	Region    string
	Operation string
	Err       error
}

func (e *RegionError) Error() string {
	var apiErr smithy.APIError
	if errors.As(e.Err, &apiErr) {
		return fmt.Sprintf("%s: %s: %s: %s", e.Region, e.Operation, apiErr.ErrorCode(), apiErr.ErrorMessage())
	}
	return fmt.Sprintf("%s: %s: %v", e.Region, e.Operation, e.Err)
}

func (e *RegionError) Unwrap() error { return e.Err }

// ErrorCode returns the EC2 error code of err ("" when it has none).
func ErrorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}
