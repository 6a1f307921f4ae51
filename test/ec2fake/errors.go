package ec2fake

import (
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
)

// APIError is an EC2 error answer. Status 0 means the status EC2 uses for Code.
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

// statusByCode holds the HTTP status EC2 answers with for the codes the fake
// produces. Codes not listed are client errors (400), as most of EC2's are.
var statusByCode = map[string]int{
	"RequestLimitExceeded":  http.StatusServiceUnavailable,
	"Unavailable":           http.StatusServiceUnavailable,
	"InternalError":         http.StatusInternalServerError,
	"UnauthorizedOperation": http.StatusForbidden,
	"AuthFailure":           http.StatusUnauthorized,
	"Blocked":               http.StatusForbidden,
}

// HTTPStatus returns the status the error is sent with.
func (e *APIError) HTTPStatus() int {
	if e.Status != 0 {
		return e.Status
	}
	if s, ok := statusByCode[e.Code]; ok {
		return s
	}
	return http.StatusBadRequest
}

type errorResponse struct {
	XMLName   xml.Name    `xml:"Response"`
	Errors    []errorItem `xml:"Errors>Error"`
	RequestID string      `xml:"RequestID"`
}

type errorItem struct {
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

// writeError sends EC2's error document. Errors that are not *APIError are
// the fake's own failures and go out as InternalError so the test sees them.
func writeError(w http.ResponseWriter, requestID string, err error) {
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		apiErr = &APIError{Code: "InternalError", Message: err.Error()}
	}
	body, mErr := xml.Marshal(errorResponse{
		Errors:    []errorItem{{Code: apiErr.Code, Message: apiErr.Message}},
		RequestID: requestID,
	})
	if mErr != nil {
		http.Error(w, mErr.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(apiErr.HTTPStatus())
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
}

// imageNotAuthorized is EC2's AuthFailure for an image the caller sees or
// names but may not use this way, message format with %s for the id. EC2
// sends this one with HTTP 400, not the 401 of a signature it refuses.
func imageNotAuthorized(format, id string) error {
	return &APIError{Status: http.StatusBadRequest, Code: "AuthFailure", Message: fmt.Sprintf(format, id)}
}

// notFound is EC2's answer for an id of one resource type that does not
// exist: its code and its message, with %s for the id.
type notFound struct{ code, format string }

func (n notFound) of(id string) error {
	return &APIError{Code: n.code, Message: fmt.Sprintf(n.format, id)}
}

var (
	imageNotFound     = notFound{"InvalidAMIID.NotFound", "The image id '[%s]' does not exist"}.of
	instanceNotFound  = notFound{"InvalidInstanceID.NotFound", "The instance ID '%s' does not exist"}.of
	groupNotFound     = notFound{"InvalidGroup.NotFound", "The security group '%s' does not exist"}.of
	vpcNotFound       = notFound{"InvalidVpcID.NotFound", "The vpc ID '%s' does not exist"}.of
	subnetNotFound    = notFound{"InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist"}.of
	snapshotNotFound  = notFound{"InvalidSnapshot.NotFound", "The snapshot '%s' does not exist."}.of
	keyNameNotFound   = notFound{"InvalidKeyPair.NotFound", "The key pair '%s' does not exist"}.of
	keyPairIDNotFound = notFound{"InvalidKeyPair.NotFound", "The key pair ID '%s' does not exist"}.of
)
