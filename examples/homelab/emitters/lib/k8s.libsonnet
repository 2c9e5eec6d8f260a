// Small helpers for Kubernetes objects, shared by the example emitters.
{
  // configMap is a ConfigMap holding data (file name -> contents).
  configMap(name, namespace, data, labels={}):: {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: name,
      namespace: namespace,
      [if labels != {} then 'labels']: labels,
    },
    data: data,
  },
}
