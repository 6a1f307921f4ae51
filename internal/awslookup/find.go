package awslookup

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"golang.org/x/sync/errgroup"
)

// Result is the outcome of FindImages. A miss is not an error: it shows as
// a region in MissingRegions.
type Result struct {
	// Found is true when every region has an image.
	Found bool
	// AMIIDs maps each region that has an image to its id.
	AMIIDs map[string]string
	// MissingRegions lists the regions without an image, sorted.
	MissingRegions []string
	// Images maps each region that has an image to its details.
	Images map[string]Image
}

// FindImages looks the query up in every region of clients at once. In each
// region the newest matching image (by CreationDate) wins. With ModeNone no
// call is made and every region is missing. The first failing region
// cancels the others; its error is a *RegionError.
func FindImages(ctx context.Context, clients map[string]EC2DescribeImagesAPI, q Query) (Result, error) {
	if len(clients) == 0 {
		return Result{}, errors.New("find images: no region given")
	}
	if err := q.Validate(); err != nil {
		return Result{}, fmt.Errorf("find images: %w", err)
	}
	res := Result{AMIIDs: map[string]string{}, Images: map[string]Image{}}
	if q.Mode == ModeNone {
		for region := range clients {
			res.MissingRegions = append(res.MissingRegions, region)
		}
		slices.Sort(res.MissingRegions)
		return res, nil
	}

	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	for region, client := range clients {
		rq, err := q.forRegion(region)
		if err != nil {
			return Result{}, fmt.Errorf("find images: %w", err)
		}
		g.Go(func() error {
			img, found, err := newestImage(gctx, client, rq.input(), rq.PageSize)
			if err != nil {
				return &RegionError{Region: region, Operation: "DescribeImages", Err: err}
			}
			mu.Lock()
			defer mu.Unlock()
			if found {
				res.AMIIDs[region] = aws.ToString(img.ImageId)
				res.Images[region] = imageFrom(img)
			} else {
				res.MissingRegions = append(res.MissingRegions, region)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return Result{}, err
	}
	slices.Sort(res.MissingRegions)
	res.Found = len(res.MissingRegions) == 0
	return res, nil
}

func (q Query) input() *ec2.DescribeImagesInput {
	return &ec2.DescribeImagesInput{Owners: q.Owners, Filters: q.filters()}
}

// ListImages returns every image of one region that matches q, newest first (the order
// FindImages picks by), for callers that report what a lookup found rather than use one image.
// q must not have RegionValues. An EC2 error is a *RegionError.
func ListImages(ctx context.Context, region string, client EC2DescribeImagesAPI, q Query) ([]Image, error) {
	if err := q.Validate(); err != nil {
		return nil, fmt.Errorf("list images: %w", err)
	}
	switch {
	case q.Mode == ModeNone:
		return nil, errors.New(`list images: lookup "none" looks nothing up`)
	case q.RegionValues != nil:
		return nil, fmt.Errorf("list images: lookup %q with one value per region: give Value instead", q.Mode)
	}
	var found []types.Image
	err := eachImage(ctx, client, q.input(), q.PageSize, func(img types.Image) { found = append(found, img) })
	if err != nil {
		return nil, &RegionError{Region: region, Operation: "DescribeImages", Err: err}
	}
	slices.SortFunc(found, func(a, b types.Image) int {
		if newer(a, b) {
			return -1
		}
		return 1
	})
	out := make([]Image, len(found))
	for i, img := range found {
		out[i] = imageFrom(img)
	}
	return out, nil
}

// newestImage pages through DescribeImages and keeps the newest image (found is false when
// nothing matched). It is the key lookup's order; a base AMI is chosen by the amazon plugin
// (ResolveSourceAMI).
func newestImage(ctx context.Context, client EC2DescribeImagesAPI, in *ec2.DescribeImagesInput, pageSize int32) (best types.Image, found bool, err error) {
	err = eachImage(ctx, client, in, pageSize, func(img types.Image) {
		if !found || newer(img, best) {
			best = img
		}
		found = true
	})
	if err != nil {
		return types.Image{}, false, err
	}
	return best, found, nil
}

// eachImage pages through DescribeImages with the SDK paginator and hands every image to visit.
func eachImage(ctx context.Context, client EC2DescribeImagesAPI, in *ec2.DescribeImagesInput, pageSize int32, visit func(types.Image)) error {
	pages := ec2.NewDescribeImagesPaginator(client, in, func(o *ec2.DescribeImagesPaginatorOptions) {
		o.Limit = pageSize
		o.StopOnDuplicateToken = true
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, img := range page.Images {
			visit(img)
		}
	}
	return nil
}
