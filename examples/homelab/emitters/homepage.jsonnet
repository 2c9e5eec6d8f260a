// homepage.jsonnet writes the services.yaml of a Homepage dashboard
// (https://gethomepage.dev) as a ConfigMap: one group per namespace, one
// entry per app, so the dashboard lists exactly what the cluster runs.
//
// Use it in the description:
//
//   emitters: jsonnet: [{file: "emitters/homepage.jsonnet", out: "kubernetes/apps/default/homepage/app"}]
//
// and mount the ConfigMap at /app/config/services.yaml in Homepage.
// An app's link is https://<app>.${SECRET_DOMAIN} when the cluster has a
// SECRET_DOMAIN substitution: Flux fills it in when it applies the file, so
// the domain itself never appears here.
local k8s = import 'lib/k8s.libsonnet';

// Apps Homepage should not list: infrastructure installed before Flux.
local hidden(app) = app.bootstrap;

function(model)
  local subs = std.get(model.cluster, 'substitutions', {});
  local vars = std.objectFields(std.get(subs, 'settings', {})) + std.objectFields(std.get(subs, 'secrets', {}));
  local domainVar = 'SECRET_DOMAIN';
  local apps = [a for a in model.apps if !hidden(a)];
  // An app's chart is its first release's; an app of manifests has none.
  local releases(app) = std.flattenArrays([std.get(k, 'releases', []) for k in app.kustomizations]);
  local chart(app) = local rs = releases(app); if std.length(rs) > 0 then rs[0].chart else {};
  local service(app) = local c = chart(app); {
    [app.name]: {
      description: if std.objectHas(c, 'version') then '%s %s' % [c.name, c.version] else app.name,
      icon: std.get(c, 'name', app.name) + '.png',
      [if std.member(vars, domainVar) then 'href']: 'https://%s.${%s}' % [app.name, domainVar],
    },
  };
  local groups = [
    { [ns]: [service(a) for a in apps if a.namespace == ns] }
    for ns in std.set([a.namespace for a in apps])
  ];
  {
    'services-configmap.yaml': k8s.configMap(
      'homepage-services',
      'default',
      { 'services.yaml': std.manifestYamlDoc(groups, indent_array_in_object=true, quote_keys=false) + '\n' },
      { 'app.kubernetes.io/managed-by': 'hogen' },
    ),
  }
