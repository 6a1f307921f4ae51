package rosco

import (
	"fmt"
	"regexp"
	"strings"
)

// javaDot is Java's regex '.', which excludes its line terminators; Go's
// excludes only '\n'. Rosco's patterns below use '.' unescaped.
const javaDot = `[^\n\r\x{85}\x{2028}\x{2029}]`

var (
	// imageNameToken: packer <= 1.2 printed "Creating the AMI: <name>".
	imageNameToken = regexp.MustCompile(`amazon-(chroot|ebs): Creating the AMI:`)
	// unencryptedImageNameToken: packer 1.3 printed "Creating unencrypted AMI <name> from instance <id>".
	unencryptedImageNameToken = regexp.MustCompile(`(==> |)amazon-(chroot|ebs): Creating unencrypted AMI`)
	// buildsFinished opens packer's final summary; its dots are regex dots in Rosco.
	buildsFinished = regexp.MustCompile(strings.ReplaceAll(`==> Builds finished. The artifacts of successful builds are:`, ".", javaDot))
	// amiExtractor finds summary lines such as "eu-north-1: ami-076cf277a86b6e5b4";
	// Java's \s includes the vertical tab, Go's does not.
	amiExtractor = regexp.MustCompile(`[a-z]{2}-[a-z]{2,10}-[0-9]:[ \t\n\x0B\f\r]ami-[a-z0-9]{8,}`)
)

// ScrapedArtifact is an image Rosco found in packer's final summary. Rosco
// later sets its name and uuid from the bake, which are not in the log.
type ScrapedArtifact struct {
	Type      string `json:"type"`
	Location  string `json:"location"`
	Reference string `json:"reference"`
}

// ScrapeResult is what Rosco reads from a successful bake's output.
type ScrapeResult struct {
	// AMI is "" where Rosco's value is null; a scraped AMI is never empty.
	AMI string
	// ImageName is the scraped image name; ImageNameFound tells Rosco's null
	// apart from the "" that a bare "Creating unencrypted AMI" line yields.
	ImageName      string
	ImageNameFound bool
	Artifacts      []ScrapedArtifact
}

// ScrapeLog reads packer's merged stdout and stderr as Rosco does, so a
// provisioner can be checked not to disturb it. Per line, the first matching
// rule applies: "Creating the AMI:" sets the image name to the last
// space-separated word; "Creating unencrypted AMI" sets it to the first word
// after the token (with -timestamp-ui that is the timestamp, as in Rosco);
// a line containing "<region>:" sets the AMI to its last word; the
// "Builds finished" header starts artifact collection. Independently, once
// collecting, every "<region>: ami-<8+ chars>" line adds an artifact. The last
// match of each rule wins.
//
// Rosco interpolates the region into a regular expression; so does this, and
// a region that is not a valid expression is an error (Rosco fails too).
func ScrapeLog(region, log string) (ScrapeResult, error) {
	regionToken, err := regexp.Compile(region + ":")
	if err != nil {
		return ScrapeResult{}, fmt.Errorf("scrape log for region %q: region is not a valid pattern: %w", region, err)
	}
	var res ScrapeResult
	collecting := false
	for _, line := range javaLines(log) {
		switch {
		case imageNameToken.MatchString(line):
			if words := javaSplit(line, " "); len(words) > 0 {
				res.ImageName, res.ImageNameFound = words[len(words)-1], true
			}
		case unencryptedImageNameToken.MatchString(line):
			rest := javaTrim(unencryptedImageNameToken.ReplaceAllLiteralString(line, ""))
			res.ImageName, res.ImageNameFound = javaSplit(rest, " ")[0], true
		case regionToken.MatchString(line):
			if words := javaSplit(line, " "); len(words) > 0 {
				res.AMI = words[len(words)-1]
			}
		case buildsFinished.MatchString(line):
			collecting = true
		}
		if collecting && amiExtractor.MatchString(line) {
			if fields := javaSplit(line, ": "); len(fields) > 0 {
				res.Artifacts = append(res.Artifacts, ScrapedArtifact{
					Type:      "aws/image",
					Location:  fields[0],
					Reference: fields[len(fields)-1],
				})
			}
		}
	}
	return res, nil
}

// javaLines splits text like java.io.BufferedReader.readLine, which Groovy's
// eachLine uses: "\n", "\r" and "\r\n" end a line, and a final terminator does
// not start another line.
func javaLines(text string) []string {
	var lines []string
	for text != "" {
		end := strings.IndexAny(text, "\r\n")
		if end < 0 {
			lines = append(lines, text)
			break
		}
		lines = append(lines, text[:end])
		next := end + 1
		if text[end] == '\r' && next < len(text) && text[next] == '\n' {
			next++
		}
		text = text[next:]
	}
	return lines
}
