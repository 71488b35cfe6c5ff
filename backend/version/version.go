// Package version holds the one version string of this build of WeTalk.
// Release builds set it with
//
//	-ldflags "-X wetalk/backend/version.Version=<git describe>"
//
// and everything that shows a version (wetalk --version, the start screen,
// wetalk web, packages) reads it from here. It knows nothing else.
package version

// Version is the build's version; "dev" when not set at build time.
var Version = "dev"
