package awslookup

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Image is what the lookup reports about an image.
type Image struct {
	ID                 string
	Name               string
	CreationDate       string // as EC2 gives it, ISO 8601
	OwnerID            string
	VirtualizationType string
	Tags               map[string]string
}

func imageFrom(img types.Image) Image {
	tags := make(map[string]string, len(img.Tags))
	for _, t := range img.Tags {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return Image{
		ID:                 aws.ToString(img.ImageId),
		Name:               aws.ToString(img.Name),
		CreationDate:       aws.ToString(img.CreationDate),
		OwnerID:            aws.ToString(img.OwnerId),
		VirtualizationType: string(img.VirtualizationType),
		Tags:               tags,
	}
}

// newer reports whether a should win over b: later CreationDate, then the
// greater id so that equal dates still give one answer.
func newer(a, b types.Image) bool {
	ta, tb := creationTime(a), creationTime(b)
	if !ta.Equal(tb) {
		return ta.After(tb)
	}
	return aws.ToString(a.ImageId) > aws.ToString(b.ImageId)
}

// creationTime parses EC2's CreationDate; an unparsable date counts as the oldest.
func creationTime(img types.Image) time.Time {
	t, err := time.Parse(time.RFC3339Nano, aws.ToString(img.CreationDate))
	if err != nil {
		return time.Time{}
	}
	return t
}
