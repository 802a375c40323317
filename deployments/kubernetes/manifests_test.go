// Package kubernetes holds faultline's Kubernetes manifests (base/ and
// overlays/). Its tests render every overlay with the kustomize library and
// decode each object strictly into the Kubernetes API types, since no cluster
// runs here: a typo in a field name, a probe on the wrong path or a secret in
// a ConfigMap fails here instead of at kubectl apply or, worse, in production.
//
// This is a module of its own so that the root module never depends on
// kustomize and the Kubernetes API: run it with
//
//	cd deployments/kubernetes && go test ./...
package kubernetes

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	natsconf "github.com/nats-io/nats-server/v2/conf"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

var overlays = map[string]string{
	"dev":  "faultline-dev",
	"prod": "faultline-prod",
}

// services are faultline's three Deployments, by the subcommand each runs.
var services = []string{"ingest", "processor", "notifier"}

// rendered is one overlay, decoded into the typed API objects.
type rendered struct {
	Namespaces      []*corev1.Namespace
	Deployments     map[string]*appsv1.Deployment
	StatefulSets    map[string]*appsv1.StatefulSet
	Services        map[string]*corev1.Service
	ConfigMaps      map[string]*corev1.ConfigMap
	Secrets         map[string]*corev1.Secret
	HPAs            []*autoscalingv2.HorizontalPodAutoscaler
	PDBs            []*policyv1.PodDisruptionBudget
	Ingresses       []*networkingv1.Ingress
	NetworkPolicies []*networkingv1.NetworkPolicy
	objects         []metav1.Object
}

// render runs kustomize on dir and decodes every object strictly: unknown
// fields, duplicate keys and kinds this test does not know all fail.
func render(t *testing.T, dir string) *rendered {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	r := &rendered{
		Deployments:  map[string]*appsv1.Deployment{},
		StatefulSets: map[string]*appsv1.StatefulSet{},
		Services:     map[string]*corev1.Service{},
		ConfigMaps:   map[string]*corev1.ConfigMap{},
		Secrets:      map[string]*corev1.Secret{},
	}
	for _, res := range m.Resources() {
		raw, err := res.AsYAML()
		if err != nil {
			t.Fatalf("%s: %v", res.CurId(), err)
		}
		gvk := res.GetApiVersion() + "/" + res.GetKind()
		var obj metav1.Object
		switch gvk {
		case "v1/Namespace":
			o := &corev1.Namespace{}
			r.Namespaces, obj = append(r.Namespaces, o), o
		case "v1/Service":
			o := &corev1.Service{}
			r.Services[res.GetName()], obj = o, o
		case "v1/ConfigMap":
			o := &corev1.ConfigMap{}
			r.ConfigMaps[res.GetName()], obj = o, o
		case "v1/Secret":
			o := &corev1.Secret{}
			r.Secrets[res.GetName()], obj = o, o
		case "apps/v1/Deployment":
			o := &appsv1.Deployment{}
			r.Deployments[res.GetName()], obj = o, o
		case "apps/v1/StatefulSet":
			o := &appsv1.StatefulSet{}
			r.StatefulSets[res.GetName()], obj = o, o
		case "autoscaling/v2/HorizontalPodAutoscaler":
			o := &autoscalingv2.HorizontalPodAutoscaler{}
			r.HPAs, obj = append(r.HPAs, o), o
		case "policy/v1/PodDisruptionBudget":
			o := &policyv1.PodDisruptionBudget{}
			r.PDBs, obj = append(r.PDBs, o), o
		case "networking.k8s.io/v1/Ingress":
			o := &networkingv1.Ingress{}
			r.Ingresses, obj = append(r.Ingresses, o), o
		case "networking.k8s.io/v1/NetworkPolicy":
			o := &networkingv1.NetworkPolicy{}
			r.NetworkPolicies, obj = append(r.NetworkPolicies, o), o
		default:
			t.Fatalf("%s: %s %s is a kind this test does not know; add it to render", dir, gvk, res.GetName())
		}
		if err := yaml.UnmarshalStrict(raw, obj); err != nil {
			t.Fatalf("%s: %s %s does not decode strictly: %v", dir, gvk, res.GetName(), err)
		}
		r.objects = append(r.objects, obj)
	}
	return r
}

func renderAll(t *testing.T) map[string]*rendered {
	out := map[string]*rendered{}
	for name := range overlays {
		out[name] = render(t, "overlays/"+name)
	}
	return out
}

func deployment(t *testing.T, r *rendered, svc string) *appsv1.Deployment {
	t.Helper()
	d := r.Deployments["faultline-"+svc]
	if d == nil {
		t.Fatalf("Deployment faultline-%s missing", svc)
	}
	return d
}

func selects(t *testing.T, sel *metav1.LabelSelector, podLabels map[string]string) bool {
	t.Helper()
	if sel == nil {
		return false
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Fatalf("label selector %v: %v", sel, err)
	}
	return s.Matches(labels.Set(podLabels))
}

func TestOverlaysRenderAndDecodeStrictly(t *testing.T) {
	for name, ns := range overlays {
		r := render(t, "overlays/"+name)
		if len(r.objects) < 20 {
			t.Errorf("%s renders only %d objects", name, len(r.objects))
		}
		if len(r.Namespaces) != 1 || r.Namespaces[0].Name != ns {
			t.Errorf("%s: want exactly the Namespace %s", name, ns)
		}
		for _, o := range r.objects {
			if _, isNS := o.(*corev1.Namespace); isNS {
				continue
			}
			if o.GetNamespace() != ns {
				t.Errorf("%s: %s is in namespace %q, want %s", name, o.GetName(), o.GetNamespace(), ns)
			}
		}
	}
}

func TestOverlaysAreSeparateInstalls(t *testing.T) {
	all := renderAll(t)
	dev, prod := all["dev"], all["prod"]
	if dev.Namespaces[0].Name == prod.Namespaces[0].Name {
		t.Fatalf("dev and prod share the namespace %s", dev.Namespaces[0].Name)
	}
	for _, svc := range services {
		d, p := deployment(t, dev, svc), deployment(t, prod, svc)
		if d.Namespace == p.Namespace {
			t.Errorf("%s: dev and prod Deployments share namespace %s", svc, d.Namespace)
		}
		if d.Spec.Template.Labels["app.kubernetes.io/instance"] == p.Spec.Template.Labels["app.kubernetes.io/instance"] {
			t.Errorf("%s: dev and prod pods carry the same instance label", svc)
		}
		dr := d.Spec.Template.Spec.Containers[0].Resources.Requests.Cpu()
		pr := p.Spec.Template.Spec.Containers[0].Resources.Requests.Cpu()
		if dr.Cmp(*pr) >= 0 {
			t.Errorf("%s: prod requests %s CPU, no more than dev's %s", svc, pr, dr)
		}
	}
	if *prod.Deployments["faultline-ingest"].Spec.Replicas < 3 {
		t.Errorf("prod ingest runs %d replicas, want at least 3", *prod.Deployments["faultline-ingest"].Spec.Replicas)
	}
}

func TestDeployments(t *testing.T) {
	for name, r := range renderAll(t) {
		for _, svc := range services {
			t.Run(name+"/"+svc, func(t *testing.T) {
				d := deployment(t, r, svc)
				if d.Spec.Replicas == nil || *d.Spec.Replicas < 2 {
					t.Errorf("replicas %v, want at least 2", d.Spec.Replicas)
				}
				pod := d.Spec.Template
				if !selects(t, d.Spec.Selector, pod.Labels) {
					t.Errorf("selector %v does not match the pod labels %v", d.Spec.Selector, pod.Labels)
				}
				if len(pod.Spec.Containers) != 1 {
					t.Fatalf("%d containers, want 1", len(pod.Spec.Containers))
				}
				c := pod.Spec.Containers[0]
				if !slices.Equal(c.Args, []string{svc}) || len(c.Command) != 0 {
					t.Errorf("runs command %v args %v, want the image's entrypoint with %q", c.Command, c.Args, svc)
				}
				if c.Image == "faultline" || !strings.Contains(c.Image, ":") {
					t.Errorf("image %q: the overlay's images: did not apply", c.Image)
				}
				checkProbe(t, c, "readiness", c.ReadinessProbe, "/readyz")
				checkProbe(t, c, "liveness", c.LivenessProbe, "/healthz")
				checkResources(t, pod.Spec)
				checkSpread(t, pod)
				if sc := c.SecurityContext; sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
					t.Errorf("root filesystem is writable")
				}
			})
		}
	}
}

func containerPort(c corev1.Container, p intstr.IntOrString) (int32, bool) {
	for _, cp := range c.Ports {
		if (p.Type == intstr.String && cp.Name == p.StrVal) || (p.Type == intstr.Int && cp.ContainerPort == p.IntVal) {
			return cp.ContainerPort, true
		}
	}
	return 0, false
}

func checkProbe(t *testing.T, c corev1.Container, kind string, p *corev1.Probe, path string) {
	t.Helper()
	if p == nil || p.HTTPGet == nil {
		t.Errorf("%s probe missing or not httpGet", kind)
		return
	}
	if p.HTTPGet.Path != path {
		t.Errorf("%s probe on %s, want %s", kind, p.HTTPGet.Path, path)
	}
	// FAULTLINE_HTTP_ADDR is 0.0.0.0:8080 (see TestEnvironment).
	if port, ok := containerPort(c, p.HTTPGet.Port); !ok || port != 8080 {
		t.Errorf("%s probe port %s is not the container's 8080", kind, p.HTTPGet.Port.String())
	}
}

func checkResources(t *testing.T, spec corev1.PodSpec) {
	t.Helper()
	for _, c := range slices.Concat(spec.InitContainers, spec.Containers) {
		for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			req, hasReq := c.Resources.Requests[res]
			lim, hasLim := c.Resources.Limits[res]
			if !hasReq || !hasLim || req.IsZero() || lim.IsZero() {
				t.Errorf("container %s: %s needs both a request and a limit", c.Name, res)
				continue
			}
			if req.Cmp(lim) > 0 {
				t.Errorf("container %s: %s request %s above limit %s", c.Name, res, req.String(), lim.String())
			}
		}
	}
}

func checkSpread(t *testing.T, pod corev1.PodTemplateSpec) {
	t.Helper()
	for _, tsc := range pod.Spec.TopologySpreadConstraints {
		if tsc.TopologyKey == "topology.kubernetes.io/zone" && selects(t, tsc.LabelSelector, pod.Labels) && tsc.MaxSkew >= 1 {
			return
		}
	}
	t.Errorf("no topologySpreadConstraint over topology.kubernetes.io/zone selecting these pods")
}

func TestAutoscalers(t *testing.T) {
	for name, r := range renderAll(t) {
		byTarget := map[string]*autoscalingv2.HorizontalPodAutoscaler{}
		for _, h := range r.HPAs {
			ref := h.Spec.ScaleTargetRef
			if ref.Kind != "Deployment" || ref.APIVersion != "apps/v1" || r.Deployments[ref.Name] == nil {
				t.Errorf("%s: HPA %s targets %s %s %s, not a rendered Deployment", name, h.Name, ref.APIVersion, ref.Kind, ref.Name)
				continue
			}
			if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 2 || h.Spec.MaxReplicas < *h.Spec.MinReplicas {
				t.Errorf("%s: HPA %s replicas %v..%d", name, h.Name, h.Spec.MinReplicas, h.Spec.MaxReplicas)
			}
			if d := r.Deployments[ref.Name]; *d.Spec.Replicas < *h.Spec.MinReplicas {
				t.Errorf("%s: %s starts with %d replicas, below its HPA's minimum %d", name, ref.Name, *d.Spec.Replicas, *h.Spec.MinReplicas)
			}
			byTarget[ref.Name] = h
		}
		cpu := func(h *autoscalingv2.HorizontalPodAutoscaler) bool {
			for _, m := range h.Spec.Metrics {
				if m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource.Name == corev1.ResourceCPU &&
					m.Resource.Target.Type == autoscalingv2.UtilizationMetricType && m.Resource.Target.AverageUtilization != nil {
					return true
				}
			}
			return false
		}
		lag := func(h *autoscalingv2.HorizontalPodAutoscaler) bool {
			for _, m := range h.Spec.Metrics {
				switch {
				case m.Type == autoscalingv2.ExternalMetricSourceType && m.External.Metric.Name == "faultline_processor_consumer_lag":
					return m.External.Target.AverageValue != nil || m.External.Target.Value != nil
				case m.Type == autoscalingv2.PodsMetricSourceType && m.Pods.Metric.Name == "faultline_processor_consumer_lag":
					return m.Pods.Target.AverageValue != nil
				}
			}
			return false
		}
		if h := byTarget["faultline-ingest"]; h == nil || !cpu(h) {
			t.Errorf("%s: no CPU HPA for faultline-ingest", name)
		}
		if h := byTarget["faultline-processor"]; h == nil || !cpu(h) || !lag(h) {
			t.Errorf("%s: faultline-processor needs an HPA on CPU and faultline_processor_consumer_lag", name)
		}
	}
}

func TestDisruptionBudgets(t *testing.T) {
	for name, r := range renderAll(t) {
		pods := map[string]map[string]string{}
		for _, d := range r.Deployments {
			pods[d.Name] = d.Spec.Template.Labels
		}
		for _, s := range r.StatefulSets {
			pods[s.Name] = s.Spec.Template.Labels
		}
		covered := map[string]int{}
		for _, pdb := range r.PDBs {
			var hits []string
			for owner, l := range pods {
				if selects(t, pdb.Spec.Selector, l) {
					hits = append(hits, owner)
				}
			}
			if len(hits) != 1 {
				t.Errorf("%s: PDB %s selects the pods of %v, want exactly one workload", name, pdb.Name, hits)
			}
			for _, h := range hits {
				covered[h]++
			}
			if pdb.Spec.MaxUnavailable == nil && pdb.Spec.MinAvailable == nil {
				t.Errorf("%s: PDB %s sets neither maxUnavailable nor minAvailable", name, pdb.Name)
			}
		}
		for _, want := range []string{"faultline-ingest", "faultline-processor", "faultline-notifier", "nats"} {
			if covered[want] != 1 {
				t.Errorf("%s: %s has %d PDBs, want 1", name, want, covered[want])
			}
		}
	}
}

func TestIngestServiceAndIngress(t *testing.T) {
	for name, r := range renderAll(t) {
		svc := r.Services["faultline-ingest"]
		if svc == nil {
			t.Fatalf("%s: Service faultline-ingest missing", name)
		}
		for other, d := range r.Deployments {
			matches := selects(t, &metav1.LabelSelector{MatchLabels: svc.Spec.Selector}, d.Spec.Template.Labels)
			if matches != (other == "faultline-ingest") {
				t.Errorf("%s: Service faultline-ingest selecting %s is %v", name, other, matches)
			}
		}
		ingest := deployment(t, r, "ingest").Spec.Template.Spec.Containers[0]
		for _, p := range svc.Spec.Ports {
			if port, ok := containerPort(ingest, p.TargetPort); !ok || port != 8080 {
				t.Errorf("%s: Service port %s targets %s, not ingest's 8080", name, p.Name, p.TargetPort.String())
			}
		}
		if len(r.Ingresses) != 1 {
			t.Fatalf("%s: %d Ingresses, want 1", name, len(r.Ingresses))
		}
		ing := r.Ingresses[0]
		routes := 0
		for _, rule := range ing.Spec.Rules {
			if rule.Host == "" || rule.HTTP == nil {
				t.Errorf("%s: Ingress rule without host or http", name)
				continue
			}
			for _, p := range rule.HTTP.Paths {
				b := p.Backend.Service
				if b == nil || b.Name != svc.Name {
					t.Errorf("%s: Ingress path %s goes to %v, want Service %s", name, p.Path, b, svc.Name)
					continue
				}
				if !slices.ContainsFunc(svc.Spec.Ports, func(sp corev1.ServicePort) bool {
					return sp.Name == b.Port.Name && b.Port.Name != "" || sp.Port == b.Port.Number && b.Port.Number != 0
				}) {
					t.Errorf("%s: Ingress backend port %v is not a port of %s", name, b.Port, svc.Name)
				}
				if p.Path == "/" && p.PathType != nil && *p.PathType == networkingv1.PathTypePrefix {
					routes++
				}
			}
		}
		// Shippers speaking the Elasticsearch API call GET / and /_license
		// before /_bulk, so ingest needs the whole path space.
		if routes == 0 {
			t.Errorf("%s: Ingress does not route the prefix / to ingest", name)
		}
	}
	// /metrics answers without a key on the metrics port: no Service (and so
	// no Ingress) may lead there.
	for name, r := range renderAll(t) {
		for _, svc := range r.Services {
			for _, d := range r.Deployments {
				if !selects(t, &metav1.LabelSelector{MatchLabels: svc.Spec.Selector}, d.Spec.Template.Labels) {
					continue
				}
				for _, p := range svc.Spec.Ports {
					if port, ok := containerPort(d.Spec.Template.Spec.Containers[0], p.TargetPort); ok && port == metricsPort || p.TargetPort.IntVal == metricsPort {
						t.Errorf("%s: Service %s routes port %s to %s's metrics port", name, svc.Name, p.Name, d.Name)
					}
				}
			}
		}
	}
	dev, prod := render(t, "overlays/dev"), render(t, "overlays/prod")
	if dev.Ingresses[0].Spec.Rules[0].Host == prod.Ingresses[0].Spec.Rules[0].Host {
		t.Errorf("dev and prod Ingresses claim the same host %s", dev.Ingresses[0].Spec.Rules[0].Host)
	}
}

// Patterns of values that must never sit in a ConfigMap.
var secretLooking = []*regexp.Regexp{
	regexp.MustCompile(`(?i)sha256:[0-9a-f]{64}`),                                          // API-key hashes
	regexp.MustCompile(`(?i)\b[a-z][a-z0-9+.-]*://[^/\s@"']+@`),                            // user:password@ or a DSN key
	regexp.MustCompile(`(?i)discord(app)?\.com/api/webhooks/|hooks\.slack\.com/services/`), // webhook URLs carry a token
	// A value, not a $VARIABLE reference (nats.conf reads its password from
	// the pod's environment).
	regexp.MustCompile(`(?i)(password|passwd|secret|token|api_?key)\s*[:=]\s*[^\s$]`),
	regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`),
}

// Key names that say a secret follows.
var secretKey = regexp.MustCompile(`(?i)password|passwd|secret|token|dsn|webhook|api_?key|credential`)

func looksSecret(key, value string) bool {
	if secretKey.MatchString(key) && strings.TrimSpace(value) != "" {
		return true
	}
	for _, re := range secretLooking {
		if re.MatchString(value) {
			return true
		}
	}
	return false
}

func TestSecretDetector(t *testing.T) {
	for _, c := range []struct{ key, value string }{
		{"auth", `hash: "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"`},
		{"FAULTLINE_ES_URL", "https://faultline:hunter2@es.internal:9200"},
		{"url", "https://es.internal:9200,https://elastic:pw@es2.internal:9200"},
		{"SENTRY", "https://abc123@o1.ingest.sentry.io/42"},
		{"hook", "https://discord.com/api/webhooks/123/abcdef"},
		{"hook", "https://hooks.slack.com/services/T0/B0/xyz"},
		{"config.yaml", "elasticsearch:\n  password: hunter2\n"},
		{"DISCORD_WEBHOOK", "https://example.com/x"},
		{"tls.key", "-----BEGIN RSA PRIVATE KEY-----\nMII"},
	} {
		if !looksSecret(c.key, c.value) {
			t.Errorf("%s=%q not recognised as a secret", c.key, c.value)
		}
	}
	for _, c := range []struct{ key, value string }{
		{"FAULTLINE_NATS_URL", "nats://nats:4222"},
		{"FAULTLINE_HTTP_ADDR", "0.0.0.0:8080"},
		{"nats.conf", "cluster {\n  routes: [\n    nats://nats-0.nats-headless:6222\n  ]\n}\n"},
		{"notifier.yaml", "url: ${DISCORD_WEBHOOK}"},
		{"nats.conf", "users: [\n  {user: faultline, password: $NATS_PASSWORD}\n]"},
		{"FAULTLINE_ES_URL", "https://es1.internal:9200,https://es2.internal:9200"},
	} {
		if looksSecret(c.key, c.value) {
			t.Errorf("%s=%q wrongly taken for a secret", c.key, c.value)
		}
	}
}

func TestNoSecretsInConfigMaps(t *testing.T) {
	for name, r := range renderAll(t) {
		for cmName, cm := range r.ConfigMaps {
			for k, v := range cm.Data {
				if looksSecret(k, v) {
					t.Errorf("%s: ConfigMap %s key %s looks like a secret; move it to a Secret", name, cmName, k)
				}
			}
			for k := range cm.BinaryData {
				t.Errorf("%s: ConfigMap %s has binary key %s; put opaque data in a Secret", name, cmName, k)
			}
		}
		for _, d := range r.Deployments {
			for _, c := range d.Spec.Template.Spec.Containers {
				for _, e := range c.Env {
					if e.Value != "" && looksSecret(e.Name, e.Value) {
						t.Errorf("%s: %s sets %s inline; take it from a Secret", name, d.Name, e.Name)
					}
				}
			}
		}
	}
}

// secretRefs lists the Secrets a pod uses, by how it uses them.
func secretRefs(spec corev1.PodSpec) (env map[string][]string, envFrom, volumes []string) {
	env = map[string][]string{}
	for _, c := range spec.Containers {
		for _, e := range c.Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				env[e.ValueFrom.SecretKeyRef.Name] = append(env[e.ValueFrom.SecretKeyRef.Name], e.ValueFrom.SecretKeyRef.Key)
			}
		}
		for _, ef := range c.EnvFrom {
			if ef.SecretRef != nil {
				envFrom = append(envFrom, ef.SecretRef.Name)
			}
		}
	}
	for _, v := range spec.Volumes {
		if v.Secret != nil {
			volumes = append(volumes, v.Secret.SecretName)
		}
	}
	return env, envFrom, volumes
}

// generated finds the Secret or ConfigMap kustomize named base-<hash>.
func generated[T any](m map[string]T, base string) (string, T, bool) {
	for name, v := range m {
		if strings.HasPrefix(name, base+"-") || name == base {
			return name, v, true
		}
	}
	var zero T
	return "", zero, false
}

// externalSecrets are made outside kustomize, before the install (README.md,
// "NATS TLS"): a certificate and its key cannot be a committed placeholder.
var externalSecrets = map[string]bool{"nats-tls": true}

func TestSecretsReferencedByDeployments(t *testing.T) {
	for name, r := range renderAll(t) {
		used := map[string]bool{}
		for _, d := range r.Deployments {
			env, envFrom, vols := secretRefs(d.Spec.Template.Spec)
			for s, keys := range env {
				used[s] = true
				sec := r.Secrets[s]
				if sec == nil {
					t.Errorf("%s: %s reads Secret %s, which is not rendered", name, d.Name, s)
					continue
				}
				for _, k := range keys {
					if _, ok := sec.Data[k]; !ok {
						t.Errorf("%s: %s reads key %s of Secret %s, which has no such key", name, d.Name, k, s)
					}
				}
			}
			for _, s := range slices.Concat(envFrom, vols) {
				used[s] = true
				if r.Secrets[s] == nil && !externalSecrets[s] {
					t.Errorf("%s: %s uses Secret %s, which is not rendered", name, d.Name, s)
				}
			}
		}
		for s := range r.Secrets {
			if !used[s] {
				t.Errorf("%s: Secret %s is used by no Deployment", name, s)
			}
		}
		// Who holds what: least privilege, and each secret where the README says.
		want := map[string][]string{
			"faultline-elasticsearch": {"faultline-notifier", "faultline-processor"},
			"faultline-notifier":      {"faultline-notifier"},
			"faultline-config":        {"faultline-ingest", "faultline-notifier", "faultline-processor"},
			"faultline-nats":          {"faultline-ingest", "faultline-notifier", "faultline-processor"},
		}
		for base, holders := range want {
			sName, _, ok := generated(r.Secrets, base)
			if !ok {
				t.Errorf("%s: Secret %s missing", name, base)
				continue
			}
			var got []string
			for _, d := range r.Deployments {
				env, envFrom, vols := secretRefs(d.Spec.Template.Spec)
				if _, ok := env[sName]; ok || slices.Contains(envFrom, sName) || slices.Contains(vols, sName) {
					got = append(got, d.Name)
				}
			}
			sort.Strings(got)
			if !slices.Equal(got, holders) {
				t.Errorf("%s: Secret %s is used by %v, want %v", name, base, got, holders)
			}
		}
		// Elasticsearch credentials as credentials, not inside the URL.
		_, es, _ := generated(r.Secrets, "faultline-elasticsearch")
		if es == nil || (len(es.Data["FAULTLINE_ES_PASSWORD"]) == 0 || len(es.Data["FAULTLINE_ES_USERNAME"]) == 0) && len(es.Data["FAULTLINE_ES_API_KEY"]) == 0 {
			t.Errorf("%s: the faultline-elasticsearch Secret carries neither FAULTLINE_ES_USERNAME/PASSWORD nor FAULTLINE_ES_API_KEY", name)
		} else if _, ok := es.Data["FAULTLINE_ES_URL"]; ok {
			t.Errorf("%s: the faultline-elasticsearch Secret still carries FAULTLINE_ES_URL", name)
		}
		_, natsSecret, _ := generated(r.Secrets, "faultline-nats")
		if natsSecret == nil || len(natsSecret.Data["NATS_PASSWORD"]) == 0 {
			t.Errorf("%s: the faultline-nats Secret carries no NATS_PASSWORD", name)
		}
	}
}

// knownEnv reads the FAULTLINE_* variables the binary understands from the
// flag definitions in internal/config, so a renamed flag fails this test.
func knownEnv(t *testing.T) map[string]bool {
	t.Helper()
	src, err := os.ReadFile("../../internal/config/config.go")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, m := range regexp.MustCompile(`str\(&[\w.]+, "([a-z-]+)"`).FindAllSubmatch(src, -1) {
		known["FAULTLINE_"+strings.ToUpper(strings.ReplaceAll(string(m[1]), "-", "_"))] = true
	}
	if !known["FAULTLINE_HTTP_ADDR"] || !known["FAULTLINE_ES_URL"] {
		t.Fatalf("could not read the flag names from internal/config/config.go (found %v)", known)
	}
	return known
}

// podEnv is every variable a container sees: its env and all of envFrom.
func podEnv(t *testing.T, r *rendered, c corev1.Container) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, ef := range c.EnvFrom {
		switch {
		case ef.ConfigMapRef != nil:
			cm := r.ConfigMaps[ef.ConfigMapRef.Name]
			if cm == nil {
				t.Errorf("%s: envFrom ConfigMap %s is not rendered", c.Name, ef.ConfigMapRef.Name)
				continue
			}
			for k, v := range cm.Data {
				env[ef.Prefix+k] = v
			}
		case ef.SecretRef != nil:
			if s := r.Secrets[ef.SecretRef.Name]; s != nil {
				for k, v := range s.Data {
					env[ef.Prefix+k] = string(v)
				}
			}
		}
	}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = e.Value
		case e.ValueFrom.SecretKeyRef != nil:
			if s := r.Secrets[e.ValueFrom.SecretKeyRef.Name]; s != nil {
				env[e.Name] = string(s.Data[e.ValueFrom.SecretKeyRef.Key])
			}
		case e.ValueFrom.ConfigMapKeyRef != nil:
			if cm := r.ConfigMaps[e.ValueFrom.ConfigMapKeyRef.Name]; cm != nil {
				env[e.Name] = cm.Data[e.ValueFrom.ConfigMapKeyRef.Key]
			}
		default:
			env[e.Name] = "(from the downward API)"
		}
	}
	return env
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// mountedFile finds the content of the file at path as a pod sees it, when a
// Secret or ConfigMap volume provides it.
func mountedFile(r *rendered, spec corev1.PodSpec, c corev1.Container, path string) (string, bool) {
	for _, vm := range c.VolumeMounts {
		rel, ok := strings.CutPrefix(path, strings.TrimSuffix(vm.MountPath, "/")+"/")
		if !ok {
			continue
		}
		for _, v := range spec.Volumes {
			if v.Name != vm.Name {
				continue
			}
			var data map[string]string
			var items []corev1.KeyToPath
			switch {
			case v.Secret != nil:
				if s := r.Secrets[v.Secret.SecretName]; s != nil {
					data = map[string]string{}
					for k, b := range s.Data {
						data[k] = string(b)
					}
				}
				items = v.Secret.Items
			case v.ConfigMap != nil:
				if cm := r.ConfigMaps[v.ConfigMap.Name]; cm != nil {
					data = cm.Data
				}
				items = v.ConfigMap.Items
			}
			if len(items) == 0 {
				content, ok := data[rel]
				return content, ok
			}
			for _, it := range items {
				if it.Path == rel {
					content, ok := data[it.Key]
					return content, ok
				}
			}
		}
	}
	return "", false
}

// TestEnvironment checks what the services are told: only variables the
// binary reads, the right listen address and NATS, and a config file that is
// mounted and whose every ${VAR} is set (an unset one stops start-up).
func TestEnvironment(t *testing.T) {
	known := knownEnv(t)
	hash := regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	for name, r := range renderAll(t) {
		for _, svc := range services {
			d := deployment(t, r, svc)
			c := d.Spec.Template.Spec.Containers[0]
			env := podEnv(t, r, c)
			for k := range env {
				if strings.HasPrefix(k, "FAULTLINE_") && !known[k] {
					t.Errorf("%s/%s: sets %s, which the binary does not read", name, svc, k)
				}
			}
			if env["FAULTLINE_HTTP_ADDR"] != "0.0.0.0:8080" {
				t.Errorf("%s/%s: FAULTLINE_HTTP_ADDR=%q, want 0.0.0.0:8080 so probes and Prometheus reach it", name, svc, env["FAULTLINE_HTTP_ADDR"])
			}
			if _, ok := env["FAULTLINE_ALLOW_ANONYMOUS"]; ok {
				t.Errorf("%s/%s: listens anonymously", name, svc)
			}
			checkNATSClient(t, name+"/"+svc, d.Spec.Template.Spec, c, env, r)
			// One copy of each stream and of the notifier's KV per NATS
			// server: make ha shows a node killed then loses nothing.
			if nats := r.StatefulSets["nats"]; nats != nil && env["FAULTLINE_STREAM_REPLICAS"] != fmt.Sprint(ptrOr(nats.Spec.Replicas, 1)) {
				t.Errorf("%s/%s: FAULTLINE_STREAM_REPLICAS=%q on a %d-server NATS cluster", name, svc, env["FAULTLINE_STREAM_REPLICAS"], ptrOr(nats.Spec.Replicas, 1))
			}
			checkMetricsPort(t, name+"/"+svc, d.Spec.Template, c, env)
			// The processor writes to Elasticsearch, the notifier checks it;
			// the credentials come from the Secret, never in the URL.
			if svc != "ingest" && (!strings.HasPrefix(env["FAULTLINE_ES_URL"], "http") || env["FAULTLINE_ES_PASSWORD"] == "" && env["FAULTLINE_ES_API_KEY"] == "") {
				t.Errorf("%s/%s: FAULTLINE_ES_URL or its credentials not set", name, svc)
			}
			if strings.Contains(env["FAULTLINE_ES_URL"], "@") {
				t.Errorf("%s/%s: credentials inside FAULTLINE_ES_URL", name, svc)
			}
			// Every service listens on 0.0.0.0, so each needs API keys in
			// its config file or it refuses to start.
			path := env["FAULTLINE_CONFIG"]
			content, ok := mountedFile(r, d.Spec.Template.Spec, c, path)
			if !ok {
				t.Errorf("%s/%s: FAULTLINE_CONFIG=%q is not a mounted file", name, svc, path)
				continue
			}
			for _, ref := range envRef.FindAllStringSubmatch(content, -1) {
				if _, set := env[ref[1]]; !set {
					t.Errorf("%s/%s: %s uses ${%s}, which the container's environment lacks", name, svc, path, ref[1])
				}
			}
			var file struct {
				Channels []map[string]any `json:"channels"`
				Routes   []map[string]any `json:"routes"`
				Notify   map[string]any   `json:"notify"`
				Ingest   map[string]any   `json:"ingest"`
				Auth     struct {
					Keys []struct {
						Name     string   `json:"name"`
						Roles    []string `json:"roles"`
						Service  string   `json:"service"`
						Services []string `json:"services"`
						Hash     string   `json:"hash"`
					} `json:"keys"`
				} `json:"auth"`
			}
			if err := yaml.UnmarshalStrict([]byte(content), &file); err != nil {
				t.Errorf("%s/%s: %s: %v", name, svc, path, err)
			}
			roles := map[string]bool{}
			hashes := map[string]bool{}
			for _, k := range file.Auth.Keys {
				if !hash.MatchString(k.Hash) || hashes[k.Hash] {
					t.Errorf("%s/%s: key %s has hash %q, want sha256:<64 hex>, one per key", name, svc, k.Name, k.Hash)
				}
				hashes[k.Hash] = true
				if k.Name == "" || len(k.Roles) == 0 {
					t.Errorf("%s/%s: key %+v needs a name (audits record it) and its roles", name, svc, k)
				}
				for _, role := range k.Roles {
					roles[role] = true
				}
				if slices.Contains(k.Roles, "ingest") && k.Service == "" {
					t.Errorf("%s/%s: ingest key %s has no service", name, svc, k.Name)
				}
			}
			if len(file.Auth.Keys) == 0 {
				t.Errorf("%s/%s: no API keys: on 0.0.0.0 it would refuse to start (or, allowed, serve anyone)", name, svc)
			}
			switch svc {
			case "ingest":
				if !roles["ingest"] || roles["read"] || roles["admin"] {
					t.Errorf("%s/ingest: roles %v, want ingest keys only", name, roles)
				}
			case "notifier":
				// The group API: read to look, admin to mute and resolve.
				if !roles["read"] || !roles["admin"] || roles["ingest"] {
					t.Errorf("%s/notifier: roles %v, want read and admin keys and no ingest key", name, roles)
				}
			}
			if svc == "notifier" && len(file.Channels) == 0 {
				t.Errorf("%s/notifier: no channels", name)
			}
		}
	}
}

// checkNATSClient: a faultline container reaches NATS over TLS, trusting the
// CA of the nats-tls Secret, as the user nats.conf defines, with the password
// of the faultline-nats Secret.
func checkNATSClient(t *testing.T, where string, spec corev1.PodSpec, c corev1.Container, env map[string]string, r *rendered) {
	t.Helper()
	m := regexp.MustCompile(`^tls://([a-z0-9-]+):4222$`).FindStringSubmatch(env["FAULTLINE_NATS_URL"])
	if m == nil || r.Services[m[1]] == nil {
		t.Errorf("%s: FAULTLINE_NATS_URL=%q is not tls:// to a rendered Service on 4222", where, env["FAULTLINE_NATS_URL"])
	}
	if env["FAULTLINE_NATS_USER"] != "faultline" {
		t.Errorf("%s: FAULTLINE_NATS_USER=%q, want faultline (nats.conf's user)", where, env["FAULTLINE_NATS_USER"])
	}
	pw := slices.IndexFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "FAULTLINE_NATS_PASSWORD" })
	if pw < 0 || c.Env[pw].ValueFrom == nil || c.Env[pw].ValueFrom.SecretKeyRef == nil ||
		!strings.HasPrefix(c.Env[pw].ValueFrom.SecretKeyRef.Name, "faultline-nats") || c.Env[pw].ValueFrom.SecretKeyRef.Key != "NATS_PASSWORD" {
		t.Errorf("%s: FAULTLINE_NATS_PASSWORD does not come from the faultline-nats Secret's NATS_PASSWORD", where)
	}
	if secret, key, ok := mountedSecretKey(spec, c, env["FAULTLINE_NATS_CA_FILE"]); !ok || secret != "nats-tls" || key != "ca.crt" {
		t.Errorf("%s: FAULTLINE_NATS_CA_FILE=%q is not ca.crt of the nats-tls Secret (%s %s)", where, env["FAULTLINE_NATS_CA_FILE"], secret, key)
	}
}

// mountedSecretKey finds which Secret and key a container sees at path.
func mountedSecretKey(spec corev1.PodSpec, c corev1.Container, path string) (secret, key string, ok bool) {
	for _, vm := range c.VolumeMounts {
		rel, found := strings.CutPrefix(path, strings.TrimSuffix(vm.MountPath, "/")+"/")
		if !found {
			continue
		}
		for _, v := range spec.Volumes {
			if v.Name != vm.Name || v.Secret == nil {
				continue
			}
			if len(v.Secret.Items) == 0 {
				return v.Secret.SecretName, rel, true
			}
			for _, it := range v.Secret.Items {
				if it.Path == rel {
					return v.Secret.SecretName, it.Key, true
				}
			}
		}
	}
	return "", "", false
}

// metricsPort is where every faultline pod serves /metrics without a key.
const metricsPort = 9090

// checkMetricsPort: /metrics on a listener of its own, a named container
// port that Prometheus is pointed at and that is not the API's.
func checkMetricsPort(t *testing.T, where string, pod corev1.PodTemplateSpec, c corev1.Container, env map[string]string) {
	t.Helper()
	if env["FAULTLINE_METRICS_ADDR"] != fmt.Sprintf("0.0.0.0:%d", metricsPort) {
		t.Errorf("%s: FAULTLINE_METRICS_ADDR=%q, want 0.0.0.0:%d", where, env["FAULTLINE_METRICS_ADDR"], metricsPort)
	}
	if port, ok := containerPort(c, intstr.FromString("metrics")); !ok || port != metricsPort {
		t.Errorf("%s: no container port named metrics on %d", where, metricsPort)
	}
	if pod.Annotations["prometheus.io/port"] != fmt.Sprint(metricsPort) {
		t.Errorf("%s: Prometheus is pointed at port %s, not the metrics port", where, pod.Annotations["prometheus.io/port"])
	}
}

// admits reports whether the policies let a pod with podLabels in ns receive
// TCP on port from a pod with fromLabels in namespace fromNS.
func admits(t *testing.T, pols []*networkingv1.NetworkPolicy, podLabels map[string]string, port int32, fromNS string, fromLabels map[string]string, ownNS string) bool {
	isolated := false
	for _, p := range pols {
		if !selects(t, &p.Spec.PodSelector, podLabels) || !slices.Contains(p.Spec.PolicyTypes, networkingv1.PolicyTypeIngress) {
			continue
		}
		isolated = true
		for _, rule := range p.Spec.Ingress {
			portOK := len(rule.Ports) == 0
			for _, rp := range rule.Ports {
				if rp.Port == nil || (rp.Port.Type == intstr.Int && rp.Port.IntVal == port) {
					portOK = true
				}
			}
			if !portOK {
				continue
			}
			if len(rule.From) == 0 {
				return true
			}
			for _, peer := range rule.From {
				nsOK := peer.NamespaceSelector == nil && fromNS == ownNS ||
					peer.NamespaceSelector != nil && selects(t, peer.NamespaceSelector, map[string]string{"kubernetes.io/metadata.name": fromNS})
				podOK := peer.PodSelector == nil || selects(t, peer.PodSelector, fromLabels)
				if peer.IPBlock == nil && nsOK && podOK {
					return true
				}
				if peer.IPBlock != nil {
					return true // an IP block may be anyone; treat it as open
				}
			}
		}
	}
	return !isolated
}

func TestNetworkPolicies(t *testing.T) {
	for name, r := range renderAll(t) {
		ns := overlays[name]
		pols := r.NetworkPolicies
		denyAll := false
		for _, p := range pols {
			if len(p.Spec.PodSelector.MatchLabels) == 0 && len(p.Spec.PodSelector.MatchExpressions) == 0 &&
				slices.Contains(p.Spec.PolicyTypes, networkingv1.PolicyTypeIngress) && len(p.Spec.Ingress) == 0 {
				denyAll = true
			}
		}
		if !denyAll {
			t.Errorf("%s: no default-deny ingress policy", name)
		}
		pods := map[string]map[string]string{}
		for _, d := range r.Deployments {
			pods[d.Name] = d.Spec.Template.Labels
		}
		nats := r.StatefulSets["nats"]
		if nats == nil {
			t.Fatalf("%s: StatefulSet nats missing", name)
		}
		stranger := map[string]string{"app": "something-else"}
		for dep, l := range pods {
			if !admits(t, pols, l, metricsPort, "monitoring", map[string]string{"app.kubernetes.io/name": "prometheus"}, ns) {
				t.Errorf("%s: Prometheus in monitoring cannot scrape %s on %d", name, dep, metricsPort)
			}
			// Unauthenticated metrics: Prometheus only.
			if admits(t, pols, l, metricsPort, "some-app", stranger, ns) || admits(t, pols, l, metricsPort, ns, stranger, ns) {
				t.Errorf("%s: %s's metrics port is open beyond Prometheus", name, dep)
			}
			fromAnywhere := admits(t, pols, l, 8080, "some-app", stranger, ns) && admits(t, pols, l, 8080, ns, stranger, ns)
			if want := dep == "faultline-ingest"; fromAnywhere != want {
				t.Errorf("%s: %s on 8080 open to any pod: %v, want %v", name, dep, fromAnywhere, want)
			}
			for _, p := range []int32{8080, 4222, metricsPort, 9999} {
				if dep != "faultline-ingest" && admits(t, pols, l, p, ns, pods["faultline-ingest"], ns) {
					t.Errorf("%s: ingest pods can reach %s on %d", name, dep, p)
				}
			}
		}
		natsPods := nats.Spec.Template.Labels
		for dep, l := range pods {
			if !admits(t, pols, natsPods, 4222, ns, l, ns) {
				t.Errorf("%s: %s cannot reach NATS on 4222", name, dep)
			}
		}
		if !admits(t, pols, natsPods, 6222, ns, natsPods, ns) {
			t.Errorf("%s: NATS servers cannot reach each other's routes on 6222", name)
		}
		if admits(t, pols, natsPods, 4222, "some-app", stranger, ns) || admits(t, pols, natsPods, 6222, ns, pods["faultline-ingest"], ns) {
			t.Errorf("%s: NATS is open beyond the faultline services and its own routes", name)
		}
	}
}

func TestNATS(t *testing.T) {
	for name, r := range renderAll(t) {
		s := r.StatefulSets["nats"]
		if s == nil {
			t.Fatalf("%s: StatefulSet nats missing", name)
		}
		if s.Spec.Replicas == nil || *s.Spec.Replicas != 3 {
			t.Errorf("%s: NATS runs %d replicas, want 3", name, ptrOr(s.Spec.Replicas, 1))
		}
		if !selects(t, s.Spec.Selector, s.Spec.Template.Labels) {
			t.Errorf("%s: NATS selector does not match its pods", name)
		}
		headless := r.Services[s.Spec.ServiceName]
		if headless == nil || headless.Spec.ClusterIP != corev1.ClusterIPNone {
			t.Fatalf("%s: serviceName %q is not a headless Service", name, s.Spec.ServiceName)
		}
		if !selects(t, &metav1.LabelSelector{MatchLabels: headless.Spec.Selector}, s.Spec.Template.Labels) {
			t.Errorf("%s: headless Service does not select the NATS pods", name)
		}
		checkResources(t, s.Spec.Template.Spec)
		checkSpread(t, s.Spec.Template)
		if len(s.Spec.VolumeClaimTemplates) != 1 {
			t.Fatalf("%s: want one volumeClaimTemplate, have %d", name, len(s.Spec.VolumeClaimTemplates))
		}
		pvc := s.Spec.VolumeClaimTemplates[0]
		pvcSize := pvc.Spec.Resources.Requests[corev1.ResourceStorage]

		var c corev1.Container
		for _, cc := range s.Spec.Template.Spec.Containers {
			if cc.Name == "nats" {
				c = cc
			}
		}
		confPath := ""
		for i, a := range c.Args {
			if (a == "--config" || a == "-c") && i+1 < len(c.Args) {
				confPath = c.Args[i+1]
			}
		}
		conf, ok := mountedFile(r, s.Spec.Template.Spec, c, confPath)
		if !ok {
			t.Fatalf("%s: NATS config %q is not mounted", name, confPath)
		}
		// Parse it as nats-server does, with the variables the pod sets.
		for _, e := range c.Env {
			t.Setenv(e.Name, "nats-0")
		}
		t.Setenv("NATS_PASSWORD", "password-from-the-secret")
		parsed, err := natsconf.Parse(conf)
		if err != nil {
			t.Fatalf("%s: nats.conf: %v", name, err)
		}
		checkNATSSecurity(t, name, s.Spec.Template.Spec, c, parsed)
		js, ok := parsed["jetstream"].(map[string]any)
		if !ok {
			t.Fatalf("%s: nats.conf has no jetstream block", name)
		}
		storeDir, _ := js["store_dir"].(string)
		onPVC := false
		for _, vm := range c.VolumeMounts {
			if vm.Name == pvc.Name && (storeDir == vm.MountPath || strings.HasPrefix(storeDir, vm.MountPath+"/")) {
				onPVC = true
			}
		}
		if !onPVC {
			t.Errorf("%s: JetStream store_dir %q is not on the PVC %s", name, storeDir, pvc.Name)
		}
		maxFile, _ := js["max_file_store"].(int64)
		if maxFile <= 0 || resource.NewQuantity(maxFile, resource.BinarySI).Cmp(pvcSize) >= 0 {
			t.Errorf("%s: max_file_store %d must be set and below the PVC's %s", name, maxFile, pvcSize.String())
		}
		if parsed["server_name"] != "nats-0" {
			t.Errorf("%s: server_name is %v, want it from $POD_NAME", name, parsed["server_name"])
		}
		cluster, _ := parsed["cluster"].(map[string]any)
		routes, _ := cluster["routes"].([]any)
		var want []string
		for i := range *s.Spec.Replicas {
			want = append(want, fmt.Sprintf("nats://%s-%d.%s:6222", s.Name, i, s.Spec.ServiceName))
		}
		var got []string
		for _, rt := range routes {
			got = append(got, fmt.Sprint(rt))
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: cluster routes %v, want %v", name, got, want)
		}
		if cluster["name"] == nil || cluster["port"] != int64(6222) {
			t.Errorf("%s: cluster block needs a name and port 6222: %v", name, cluster)
		}
		if c.ReadinessProbe == nil || c.LivenessProbe == nil {
			t.Errorf("%s: NATS needs readiness and liveness probes", name)
		}
	}
	dev, prod := render(t, "overlays/dev"), render(t, "overlays/prod")
	dq := dev.StatefulSets["nats"].Spec.VolumeClaimTemplates[0].Spec.Resources.Requests[corev1.ResourceStorage]
	pq := prod.StatefulSets["nats"].Spec.VolumeClaimTemplates[0].Spec.Resources.Requests[corev1.ResourceStorage]
	if pq.Cmp(dq) <= 0 {
		t.Errorf("prod NATS storage %s is not above dev's %s", pq.String(), dq.String())
	}
}

// checkNATSSecurity: clients need TLS and the faultline user's password,
// which the server reads from the same Secret key the faultline pods use;
// routes need a certificate from the same CA.
func checkNATSSecurity(t *testing.T, name string, spec corev1.PodSpec, c corev1.Container, parsed map[string]any) {
	t.Helper()
	pw := slices.IndexFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "NATS_PASSWORD" })
	if pw < 0 || c.Env[pw].ValueFrom == nil || c.Env[pw].ValueFrom.SecretKeyRef == nil ||
		!strings.HasPrefix(c.Env[pw].ValueFrom.SecretKeyRef.Name, "faultline-nats") || c.Env[pw].ValueFrom.SecretKeyRef.Key != "NATS_PASSWORD" {
		t.Errorf("%s: NATS_PASSWORD of the nats container does not come from the faultline-nats Secret", name)
	}
	authz, _ := parsed["authorization"].(map[string]any)
	users, _ := authz["users"].([]any)
	if len(users) != 1 {
		t.Fatalf("%s: nats.conf authorization users %v, want the one faultline user", name, authz)
	}
	if u, _ := users[0].(map[string]any); u["user"] != "faultline" || u["password"] != "password-from-the-secret" {
		t.Errorf("%s: NATS user %v, want faultline with $NATS_PASSWORD", name, u)
	}
	if _, ok := parsed["no_auth_user"]; ok {
		t.Errorf("%s: no_auth_user lets clients in without credentials", name)
	}
	cluster, _ := parsed["cluster"].(map[string]any)
	for block, tlsConf := range map[string]any{"tls": parsed["tls"], "cluster.tls": cluster["tls"]} {
		m, ok := tlsConf.(map[string]any)
		if !ok {
			t.Errorf("%s: nats.conf has no %s block", name, block)
			continue
		}
		for field, key := range map[string]string{"cert_file": "tls.crt", "key_file": "tls.key", "ca_file": "ca.crt"} {
			path, _ := m[field].(string)
			if secret, k, ok := mountedSecretKey(spec, c, path); !ok || secret != "nats-tls" || k != key {
				t.Errorf("%s: %s.%s %q is not %s of the nats-tls Secret", name, block, field, path, key)
			}
		}
		if block == "cluster.tls" && m["verify"] != true {
			t.Errorf("%s: cluster routes do not verify each other's certificates", name)
		}
	}
}

func ptrOr[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}
