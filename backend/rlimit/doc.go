// Package rlimit raises the process's soft limit on open files. A host keeps
// one file descriptor per connection, so the limit decides how many members
// (and how many junk connections) it can hold before accept fails; `wetalk
// serve`, the app and the load generator raise it at start.
//
// It knows nothing of sockets or rooms; on systems without rlimits it reports
// an error and changes nothing.
package rlimit
