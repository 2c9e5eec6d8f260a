package flux

import (
	"encoding/json"

	"github.com/hogen-dev/hogen/compiler/model"
)

// homelab is a description shaped like seed 003: Talos on three Mac minis,
// Cilium with BGP, cert-manager, 1Password Connect behind External Secrets,
// CloudNativePG, Longhorn, Home Assistant with Mosquitto, Authentik,
// ingress-nginx, ExternalDNS and a Cloudflare tunnel, installed by
// `flux bootstrap`. Secret values are obviously fake.
func homelab() *model.Description { return homelabDesc().build() }

func homelabDesc() *testDesc {
	d := &testDesc{Description: &model.Description{
		Cluster: model.Cluster{
			Name:   "home",
			Domain: "cluster.local",
			Flux: model.Flux{
				Source:  model.GitSource{URL: "ssh://git@github.com/geoffdavis/talos-gitops", Branch: "main", Path: "kubernetes/flux/cluster"},
				Install: InstallBootstrap,
				Version: "2.4.0",
			},
			Substitutions: model.Substitutions{
				Settings: map[string]string{"TIMEZONE": "America/Los_Angeles", "BGP_ASN": "64512", "CLUSTER_DOMAIN": "k8s.home.example.com"},
				Secrets:  map[string]string{"SECRET_ACME_EMAIL": "acme_email"},
			},
		},
		Emitters: model.Emitters{Namespaces: model.Toggle{Enabled: true}, Flux: model.Toggle{Enabled: true}},
		Inputs: model.Inputs{
			SecretNames: []string{"acme_email", "cloudflare_api_token", "cloudflare_tunnel_credentials", "op_connect_token", "op_credentials"},
			Secrets: map[string]string{
				"acme_email":                    "fake-admin@example.com",
				"cloudflare_api_token":          "fake-cloudflare-token",
				"cloudflare_tunnel_credentials": `{"AccountTag":"fake","TunnelSecret":"fake"}`,
				"op_connect_token":              "fake-op-token",
				"op_credentials":                "ZmFrZS1jcmVkZW50aWFscw==",
			},
		},
	}}
	withDefaults(&d.Cluster)
	d.Apps = []testApp{
		app("authentik", "authentik", "https://charts.goauthentik.io", "authentik", "2025.6.4", func(a *testApp) {
			a.DependsOn = []string{"cloudnative-pg", "onepassword-connect", "ingress-nginx"}
			a.Values = raw(`{"authentik":{"error_reporting":{"enabled":false}},"server":{"ingress":{"enabled":true,"ingressClassName":"internal","hosts":["auth.${CLUSTER_DOMAIN}"]}}}`)
			a.Manifests = map[string]json.RawMessage{
				"externalsecret": raw(`{"apiVersion":"external-secrets.io/v1","kind":"ExternalSecret","metadata":{"name":"authentik"},"spec":{"secretStoreRef":{"kind":"ClusterSecretStore","name":"onepassword"},"target":{"name":"authentik-secret"},"dataFrom":[{"extract":{"key":"authentik"}}]}}`),
				"postgres":       raw(`{"apiVersion":"postgresql.cnpg.io/v1","kind":"Cluster","metadata":{"name":"authentik-postgres"},"spec":{"instances":2,"storage":{"size":"10Gi","storageClass":"longhorn"}}}`),
			}
		}),
		app("cert-manager", "cert-manager", "oci://quay.io/jetstack/charts", "cert-manager", "v1.18.2", func(a *testApp) {
			a.Bootstrap = true
			a.DependsOn = []string{"cilium"}
			a.Values = raw(`{"crds":{"enabled":true},"dns01RecursiveNameservers":"1.1.1.1:53,9.9.9.9:53","dns01RecursiveNameserversOnly":true}`)
			a.Secrets = map[string]map[string]string{"cloudflare-api-token": {"api-token": "cloudflare_api_token"}}
			a.HealthChecks = []model.HealthCheck{{APIVersion: "cert-manager.io/v1", Kind: "ClusterIssuer", Name: "letsencrypt-production"}}
			a.Manifests = map[string]json.RawMessage{
				"clusterissuer": raw(`{"apiVersion":"cert-manager.io/v1","kind":"ClusterIssuer","metadata":{"name":"letsencrypt-production"},"spec":{"acme":{"email":"${SECRET_ACME_EMAIL}","server":"https://acme-v02.api.letsencrypt.org/directory","privateKeySecretRef":{"name":"letsencrypt-production"},"solvers":[{"dns01":{"cloudflare":{"apiTokenSecretRef":{"name":"cloudflare-api-token","key":"api-token"}}}}]}}}`),
			}
		}),
		app("cilium", "kube-system", "oci://ghcr.io/home-operations/charts-mirror", "cilium", "1.17.6", func(a *testApp) {
			a.Bootstrap = true
			setPolicy(a, "wait", true)
			a.Values = raw(`{"bgpControlPlane":{"enabled":true},"cluster":{"id":1,"name":"home"},"enableIPv6":true,"ipam":{"mode":"kubernetes"},"k8sServiceHost":"127.0.0.1","k8sServicePort":7445,"kubeProxyReplacement":false,"loadBalancer":{"acceleration":"disabled","l2":{"enabled":false}},"enable-lb-ipam":true,"hubble":{"enabled":true,"relay":{"enabled":true}},"operator":{"replicas":2}}`)
			a.Manifests = map[string]json.RawMessage{
				"bgppeeringpolicy": raw(`{"apiVersion":"cilium.io/v2alpha1","kind":"CiliumBGPPeeringPolicy","metadata":{"name":"udm-pro"},"spec":{"nodeSelector":{"matchLabels":{"kubernetes.io/os":"linux"}},"virtualRouters":[{"localASN":64512,"exportPodCIDR":false,"serviceSelector":{"matchExpressions":[{"key":"io.cilium/bgp-announce","operator":"NotIn","values":["false"]}]},"neighbors":[{"peerAddress":"172.29.51.1/32","peerASN":64513}]}]}}`),
				"lbippool":         raw(`{"apiVersion":"cilium.io/v2alpha1","kind":"CiliumLoadBalancerIPPool","metadata":{"name":"bgp-default"},"spec":{"blocks":[{"start":"172.29.52.100","stop":"172.29.52.199"},{"cidr":"fd47:25e1:2f96:52:100::/120"}]}}`),
			}
		}),
		app("cloudflared", "network", "https://cloudflare.github.io/helm-charts", "cloudflare-tunnel", "0.3.2", func(a *testApp) {
			a.DependsOn = []string{"ingress-nginx"}
			a.Values = raw(`{"cloudflare":{"tunnelName":"home","secretName":"cloudflared-credentials","ingress":[{"hostname":"*.${CLUSTER_DOMAIN}","service":"https://ingress-nginx-external-controller.network.svc.cluster.local:443"}]}}`)
			a.Secrets = map[string]map[string]string{"cloudflared-credentials": {"credentials.json": "cloudflare_tunnel_credentials"}}
		}),
		app("cloudnative-pg", "cnpg-system", "https://cloudnative-pg.github.io/charts", "cloudnative-pg", "0.25.0", func(a *testApp) {
			a.DependsOn = []string{"longhorn"}
			a.Values = raw(`{"crds":{"create":true},"monitoring":{"podMonitorEnabled":false}}`)
		}),
		app("external-dns", "network", "https://kubernetes-sigs.github.io/external-dns", "external-dns", "1.18.0", func(a *testApp) {
			a.DependsOn = []string{"cert-manager"}
			a.Values = raw(`{"provider":{"name":"cloudflare"},"domainFilters":["${CLUSTER_DOMAIN}"],"env":[{"name":"CF_API_TOKEN","valueFrom":{"secretKeyRef":{"name":"external-dns-cloudflare","key":"api-token"}}}],"policy":"sync","sources":["ingress"]}`)
			a.Secrets = map[string]map[string]string{"external-dns-cloudflare": {"api-token": "cloudflare_api_token"}}
		}),
		app("external-secrets", "external-secrets", "https://charts.external-secrets.io", "external-secrets", "0.18.2", func(a *testApp) {
			a.DependsOn = []string{"cert-manager"}
			a.Values = raw(`{"installCRDs":true,"serviceMonitor":{"enabled":false}}`)
		}),
		app("home-assistant", "home-automation", "oci://ghcr.io/bjw-s-labs/helm", "app-template", "4.1.2", func(a *testApp) {
			a.DependsOn = []string{"mosquitto", "cloudnative-pg", "longhorn", "authentik"}
			setPolicy(a, "wait", true)
			setPolicy(a, "timeout", "10m")
			a.Values = raw(`{"controllers":{"home-assistant":{"containers":{"app":{"image":{"repository":"ghcr.io/home-operations/home-assistant","tag":"2025.7.1"},"env":{"TZ":"${TIMEZONE}"}}}}},"service":{"app":{"controller":"home-assistant","ports":{"http":{"port":8123}}}},"persistence":{"config":{"storageClass":"longhorn","size":"5Gi","accessMode":"ReadWriteOnce"}}}`)
		}),
		app("ingress-nginx", "network", "https://kubernetes.github.io/ingress-nginx", "ingress-nginx", "4.13.0", func(a *testApp) {
			a.DependsOn = []string{"cert-manager", "cilium"}
			a.Values = raw(`{"controller":{"ingressClassResource":{"name":"internal","default":true},"service":{"annotations":{"io.cilium/lb-ipam-ips":"172.29.52.200"}}}}`)
		}),
		app("kube-prometheus-stack", "monitoring", "oci://ghcr.io/prometheus-community/charts", "kube-prometheus-stack", "75.15.1", func(a *testApp) {
			a.DependsOn = []string{"longhorn"}
			setPolicy(a, "timeout", "15m")
			a.Values = raw(`{"grafana":{"enabled":true,"defaultDashboardsTimezone":"${TIMEZONE}"},"prometheus":{"prometheusSpec":{"retention":"14d","storageSpec":{"volumeClaimTemplate":{"spec":{"storageClassName":"longhorn","resources":{"requests":{"storage":"50Gi"}}}}}}}}`)
		}),
		app("longhorn", "longhorn-system", "https://charts.longhorn.io", "longhorn", "1.9.1", func(a *testApp) {
			setPolicy(a, "timeout", "15m")
			a.Values = raw(`{"defaultSettings":{"defaultReplicaCount":2,"createDefaultDiskLabeledNodes":true},"persistence":{"defaultClassReplicaCount":2}}`)
		}),
		app("mosquitto", "home-automation", "https://storage.googleapis.com/t3n-helm-charts", "mosquitto", "2.4.1", func(a *testApp) {
			a.Values = raw(`{"service":{"type":"LoadBalancer"},"persistence":{"enabled":true,"storageClass":"longhorn"}}`)
		}),
		app("onepassword-connect", "external-secrets", "https://1password.github.io/connect-helm-charts", "connect", "2.0.2", func(a *testApp) {
			a.DependsOn = []string{"external-secrets"}
			a.Values = raw(`{"connect":{"credentialsName":"onepassword-connect-secret","credentialsKey":"1password-credentials.json"}}`)
			a.Secrets = map[string]map[string]string{"onepassword-connect-secret": {"1password-credentials.json": "op_credentials", "token": "op_connect_token"}}
			a.Manifests = map[string]json.RawMessage{
				"clustersecretstore": raw(`{"apiVersion":"external-secrets.io/v1","kind":"ClusterSecretStore","metadata":{"name":"onepassword"},"spec":{"provider":{"onepassword":{"connectHost":"http://onepassword-connect.external-secrets.svc.cluster.local:8080","vaults":{"Kubernetes":1},"auth":{"secretRef":{"connectTokenSecretRef":{"name":"onepassword-connect-secret","key":"token","namespace":"external-secrets"}}}}}}}`),
			}
		}),
	}
	return d
}

// testApp is an app as a test writes it: the description's form, turned
// into the model by the load's own code (model.NewApps).
type testApp struct {
	Name string
	model.AppSpec
}

// app is an app with one chart and the schema's defaults, changed by opts.
func app(name, ns, repo, chart, version string, opts ...func(*testApp)) testApp {
	a := testApp{Name: name, AppSpec: model.AppSpec{Namespace: ns}}
	a.Chart = &model.Chart{Repo: repo, Name: chart, Version: version}
	a.Substitution = true
	for _, o := range opts {
		o(&a)
	}
	return a
}

// setPolicy sets a #KustomizationPolicy field of a's own Kustomization.
func setPolicy(a *testApp, key string, value any) {
	a.Policy = setField(a.Policy, key, value)
}

func setField(obj json.RawMessage, key string, value any) json.RawMessage {
	m := map[string]any{}
	if len(obj) > 0 {
		_ = json.Unmarshal(obj, &m)
	}
	m[key] = value
	b, _ := json.Marshal(m)
	return b
}

// testDesc is a description being written by a test: the apps in the
// description's form until build turns them into the model.
type testDesc struct {
	*model.Description
	Apps []testApp
}

// withDefaults gives a cluster the schema's Flux defaults.
func withDefaults(c *model.Cluster) {
	if c.Flux.Layout == "" {
		c.Flux.Layout = model.LayoutFluxSystem
	}
	label := "app.kubernetes.io/name"
	c.Flux.AppLabel = &label
	c.Flux.Defaults = model.FluxDefaults{
		Kustomization: raw(`{"interval":"1h","timeout":"5m","retryInterval":"2m","wait":false,"prune":true}`),
		HelmRelease:   raw(`{"install":{"remediation":{"retries":3}},"upgrade":{"cleanupOnFail":true,"remediation":{"retries":3,"strategy":"rollback"}}}`),
		Source:        model.SourcePolicy{Interval: "1h"},
	}
}

// build turns the test's apps into the model, as the load does.
func (td *testDesc) build() *model.Description {
	specs := map[string]model.AppSpec{}
	for _, a := range td.Apps {
		specs[a.Name] = a.AppSpec
	}
	td.Description.Apps = model.NewApps(&td.Cluster, specs)
	return td.Description
}

func raw(s string) json.RawMessage { return json.RawMessage(s) }
