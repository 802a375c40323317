// Package deployments holds the deployment files (Docker Compose, Kubernetes,
// the local Elasticsearch node, Prometheus rules); its tests check them
// against what the binary really reads, since no Docker engine runs here.
// It holds no code the services use.
package deployments
