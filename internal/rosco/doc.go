// Package rosco reproduces the naming and keying rules of Spinnaker's bakery
// service (Rosco, commit 030f7b6) for AWS bakes: package-name parsing, the
// "packages" packer variable, the appversion tag, the image name, the bake key,
// log scraping, the packer argument vector and extended-attribute unrolling.
//
// The rules are pure functions so they can be table-tested against Rosco's
// conformance vectors without a build target. Rosco's quirks are reproduced on
// purpose (Java String.split semantics, Groovy truthiness, java.util.HashMap
// iteration order): a drop-in replacement must produce the same keys and names
// as the service it replaces, or cached bakes and image names stop matching.
package rosco
