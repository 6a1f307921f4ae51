package awslookup

import (
	"errors"
	"fmt"

	"github.com/aws/smithy-go"
)

// RegionError is a failure in one region. Its message is "<region>: <operation>: <code>: <message>"
// for an error EC2 returned, after the SDK's retries, e.g. "us-west-2: DescribeImages:
// UnauthorizedOperation: You are not …", and "<region>: <error>" for anything else (no match,
// several matches, a cancelled context): the operation label is kept for what EC2 answered, and
// the SDK's own errors already name the operation they come from.
type RegionError struct {
	Region    string
	Operation string
	Err       error
}

func (e *RegionError) Error() string {
	return e.Region + ": " + labelAPIError(e.Operation, e.Err)
}

// labelAPIError formats err, labelled with the operation when EC2 returned it.
func labelAPIError(operation string, err error) string {
	var apiErr smithy.APIError
	if operation != "" && errors.As(err, &apiErr) {
		return fmt.Sprintf("%s: %s: %s", operation, apiErr.ErrorCode(), apiErr.ErrorMessage())
	}
	return err.Error()
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
