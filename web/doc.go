// Package web is faultline's on-call page: server-rendered HTML (templates
// and assets embedded in the binary, charts drawn as SVG on the server, no
// CDN) over the groups index and the events data stream. It owns the page
// routes, sign-in with a read or admin API key, the session cookie and the
// CSRF tokens of its forms. It reads Elasticsearch itself (Data) and changes
// a group only through groupadmin, the code the CLI and the group API use.
//
// Pages are served at the root of faultline's address and, when
// notify.public_url has a path (a reverse proxy's prefix), under that path
// too, so a proxy may forward the prefix or strip it; every link the pages
// write carries the prefix.
package web
