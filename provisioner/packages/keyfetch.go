package packages

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/retry"
)

// fetchKey downloads a repository key on the Packer host. apt has no way
// to fetch keys itself, and minimal targets often lack curl and wget; the
// key is then written next to the sources file like an inline key. dnf
// fetches its `gpgkey` URLs itself, so rpm never calls this.
func fetchKey(ctx context.Context, field, keyURL string) ([]byte, error) {
	var key []byte
	err := retry.Config{
		Tries:      3,
		RetryDelay: (&retry.Backoff{InitialBackoff: time.Second, MaxBackoff: 5 * time.Second, Multiplier: 2}).Linear,
	}.Run(ctx, func(ctx context.Context) error {
		reqCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(reqCtx, http.MethodGet, keyURL, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("HTTP %s", resp.Status)
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return err
		}
		key, err = checkKey(field, data)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: fetch %s: %w", field, MaskURLs(keyURL), maskErr(err))
	}
	return key, nil
}
