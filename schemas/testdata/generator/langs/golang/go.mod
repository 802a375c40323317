module github.com/acme/goshop

go 1.26.0

require (
	github.com/pkg/errors v0.9.1
	golang.org/x/sync v0.25.0
)
