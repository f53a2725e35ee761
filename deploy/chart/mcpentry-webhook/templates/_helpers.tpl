{{/*
Names are fixed (not prefixed with the release name): the webhook configurations and cluster
roles are cluster-wide and a cluster runs one copy of this webhook, and fixed names keep the
chart's objects identical to the kustomize tree (test/chart/ compares them).
*/}}
{{- define "mcpentry-webhook.name" -}}mcpentry-webhook{{- end }}

{{- define "mcpentry-webhook.namespace" -}}
{{- default .Release.Namespace .Values.namespace -}}
{{- end }}

{{/* Labels shared with the kustomize tree, plus Helm's own (which the equivalence test ignores). */}}
{{- define "mcpentry-webhook.labels" -}}
app.kubernetes.io/name: mcpentry-webhook
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
app.kubernetes.io/part-of: mcpentry-webhook
{{ include "mcpentry-webhook.helmLabels" .root }}
{{- end }}

{{- define "mcpentry-webhook.helmLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}

{{- define "mcpentry-webhook.selectorLabels" -}}
app.kubernetes.io/name: mcpentry-webhook
app.kubernetes.io/component: admission-webhook
{{- end }}

{{- define "mcpentry-webhook.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ $tag }}
{{- end }}
{{- end }}

{{/* The Service's DNS name, which the serving certificate must carry. */}}
{{- define "mcpentry-webhook.serviceHost" -}}
mcpentry-webhook.{{ include "mcpentry-webhook.namespace" . }}.svc
{{- end }}

{{/* Name of the Secret holding the serving certificate the pods mount. */}}
{{- define "mcpentry-webhook.tlsSecretName" -}}
{{- if eq .Values.certificates.source "secret" -}}
{{ .Values.certificates.secret.name }}
{{- else -}}
mcpentry-webhook-tls
{{- end }}
{{- end }}

{{/* Name of the ConfigMap holding the client CA (mTLS). */}}
{{- define "mcpentry-webhook.clientCAConfigMap" -}}
{{- default "mcpentry-webhook-client-ca" .Values.mtls.existingConfigMap -}}
{{- end }}

{{/*
The chart-generated certificate pair (certificates.source: self-signed), generated once per
render and shared by the Secret and the caBundle of the webhook configurations. On upgrade the
pair in the cluster is kept, so an upgrade neither rotates the certificate nor leaves a moment
in which caBundle and the served certificate disagree.
*/}}
{{- define "mcpentry-webhook.selfSignedTLS" -}}
{{- if not (hasKey .Values "generatedTLS") -}}
{{- $ns := include "mcpentry-webhook.namespace" . -}}
{{- $existing := lookup "v1" "Secret" $ns "mcpentry-webhook-tls" -}}
{{- if and $existing (hasKey ($existing.data | default dict) "ca.crt") -}}
{{- $_ := set .Values "generatedTLS" (dict "crt" (index $existing.data "tls.crt") "key" (index $existing.data "tls.key") "ca" (index $existing.data "ca.crt")) -}}
{{- else -}}
{{- $days := int .Values.certificates.selfSigned.validityDays -}}
{{- $ca := genCA "mcpentry-webhook-ca" $days -}}
{{- $host := include "mcpentry-webhook.serviceHost" . -}}
{{- $cert := genSignedCert $host nil (list $host (printf "%s.cluster.local" $host)) $days $ca -}}
{{- $_ := set .Values "generatedTLS" (dict "crt" ($cert.Cert | b64enc) "key" ($cert.Key | b64enc) "ca" ($ca.Cert | b64enc)) -}}
{{- end -}}
{{- end -}}
{{- end }}

{{/* caBundle for the webhook configurations; empty with cert-manager (cainjector fills it). */}}
{{- define "mcpentry-webhook.caBundle" -}}
{{- if eq .Values.certificates.source "self-signed" -}}
{{- include "mcpentry-webhook.selfSignedTLS" . -}}
{{- .Values.generatedTLS.ca -}}
{{- else if eq .Values.certificates.source "secret" -}}
{{- .Values.certificates.secret.caBundle -}}
{{- end -}}
{{- end }}

{{/* clientConfig of one webhook: the in-cluster Service, or webhook.url for a server outside. */}}
{{- define "mcpentry-webhook.clientConfig" -}}
{{- $root := .root -}}
{{- if $root.Values.webhook.url }}
url: {{ printf "%s%s" (trimSuffix "/" $root.Values.webhook.url) .path }}
{{- else }}
service:
  name: mcpentry-webhook
  namespace: {{ include "mcpentry-webhook.namespace" $root }}
  port: 443
  path: {{ .path }}
{{- end }}
{{- with include "mcpentry-webhook.caBundle" $root }}
caBundle: {{ . }}
{{- end }}
{{- end }}

{{/* namespaceSelector: never kube-system or the webhook's own namespace, plus the user's selector. */}}
{{- define "mcpentry-webhook.namespaceSelector" -}}
{{- $excluded := concat .Values.webhook.excludedNamespaces (list (include "mcpentry-webhook.namespace" .)) | uniq -}}
{{- with .Values.webhook.namespaceSelector.matchLabels }}
matchLabels:
  {{- toYaml . | nindent 2 }}
{{- end }}
matchExpressions:
  - key: kubernetes.io/metadata.name
    operator: NotIn
    values: {{ toJson $excluded }}
{{- with .Values.webhook.namespaceSelector.matchExpressions }}
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
Calls the webhooks can skip (issue #17): an object being deleted (finalizers being removed) and
an UPDATE that leaves spec as it was (a storage-version migration, a GitOps re-apply, a label or
finalizer change). The server would allow both at once; not calling it saves the round trip.
The same conditions as deploy/base/webhook-configurations.
*/}}
{{- define "mcpentry-webhook.matchConditions" -}}
- name: not-being-deleted
  expression: '!has(object.metadata.deletionTimestamp)'
- name: spec-changed
  expression: >-
    request.operation != 'UPDATE' || !has(object.spec) || !has(oldObject.spec)
    || object.spec != oldObject.spec
{{- end }}
