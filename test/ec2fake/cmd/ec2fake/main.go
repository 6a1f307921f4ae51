// Command ec2fake runs the loopback EC2 fake for `packer build` by hand:
//
//	go run ./test/ec2fake/cmd/ec2fake -seed images.json
//
// It prints "endpoint=<url>" on its first line (use it as custom_endpoint_ec2),
// logs every call to stderr and stops on SIGINT or SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spinnaker-bakery/packer-plugin-spinnaker/test/ec2fake"
)

func main() {
	if err := run(); err != nil {
		log.Fatalf("ec2fake: %v", err)
	}
}

func run() error {
	addr := flag.String("listen", "127.0.0.1:0", "address to listen on")
	seedPath := flag.String("seed", "", "JSON file with images to serve (see ec2fake.Seed)")
	account := flag.String("account", ec2fake.DefaultAccountID, "account id that owner \"self\" stands for")
	latency := flag.Duration("latency", 0, "delay added to every call")
	pageSize := flag.Int("page-size", 0, "page size when a request has no MaxResults (0: one page)")
	flag.Parse()

	logger := log.New(os.Stderr, "ec2fake: ", log.LstdFlags)
	fake := ec2fake.New(ec2fake.Options{AccountID: *account, DefaultPageSize: *pageSize, Logf: logger.Printf})
	if *seedPath != "" {
		seed, err := ec2fake.LoadSeedFile(*seedPath)
		if err != nil {
			return err
		}
		fake.Load(seed)
	}
	fake.SetLatency(*latency)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	l, err := fake.Listen(*addr)
	if err != nil {
		return err
	}
	fmt.Printf("endpoint=%s\n", l.Endpoint)
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return l.Close(shutdown)
}
