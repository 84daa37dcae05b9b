{{/*
switchyard.fullname: the release-scoped name prefix, cut at 63 characters.
Usage: {{ include "switchyard.fullname" . }}
*/}}
{{- define "switchyard.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/*
switchyard.name: the name of one component (a service, postgres, rabbitmq), cut at 63.
Usage: {{ include "switchyard.name" (list $ "orders") }}
*/}}
{{- define "switchyard.name" -}}
{{- $root := index . 0 -}}
{{- printf "%s-%s" (include "switchyard.fullname" $root | trunc 50 | trimSuffix "-") (index . 1) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
switchyard.labels: the standard app.kubernetes.io labels of a component.
Usage: {{ include "switchyard.labels" (list $ "orders") | nindent 4 }}
*/}}
{{- define "switchyard.labels" -}}
{{ include "switchyard.selectorLabels" . }}
app.kubernetes.io/version: {{ (index . 0).Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ (index . 0).Release.Service }}
app.kubernetes.io/part-of: switchyard
helm.sh/chart: {{ printf "%s-%s" (index . 0).Chart.Name (index . 0).Chart.Version | replace "+" "_" | trunc 63 }}
{{- end -}}

{{/*
switchyard.podLabels: the labels of a component's pod template. Neither the chart version nor the app
version: a chart bump alone must not restart pods (Postgres and RabbitMQ above all).
Usage: {{ include "switchyard.podLabels" (list $ "orders" "service") | nindent 8 }}
*/}}
{{- define "switchyard.podLabels" -}}
{{ include "switchyard.selectorLabels" (list (index . 0) (index . 1)) }}
app.kubernetes.io/part-of: switchyard
app.kubernetes.io/component: {{ index . 2 }}
{{- end -}}

{{/*
switchyard.selectorLabels: the labels that select a component's pods (stable across upgrades).
Usage: {{ include "switchyard.selectorLabels" (list $ "orders") | nindent 6 }}
*/}}
{{- define "switchyard.selectorLabels" -}}
app.kubernetes.io/name: {{ index . 1 }}
app.kubernetes.io/instance: {{ (index . 0).Release.Name }}
{{- end -}}

{{/*
switchyard.service: one service's settings, its entry merged over `defaults`, as YAML.
Usage: {{- $svc := include "switchyard.service" (list $ "orders") | fromYaml }}
*/}}
{{- define "switchyard.service" -}}
{{- $root := index . 0 -}}
{{- $entry := index $root.Values.services (index . 1) | default dict -}}
{{- toYaml (mergeOverwrite (deepCopy $root.Values.defaults) (deepCopy $entry)) -}}
{{- end -}}

{{/*
switchyard.image: the image reference of a service.
Usage: {{ include "switchyard.image" (list $ "orders") }}
*/}}
{{- define "switchyard.image" -}}
{{- $root := index . 0 -}}
{{- $image := $root.Values.image -}}
{{- $name := printf "%s-%s" $image.repository (index . 1) -}}
{{- if $image.registry }}{{ $name = printf "%s/%s" $image.registry $name }}{{ end -}}
{{- printf "%s:%s" $name (default $root.Chart.AppVersion $image.tag) -}}
{{- end -}}

{{/*
switchyard.secretName: the Secret holding the passwords and the JWT key: `existingSecret` when set,
else the one the chart generates.
Usage: {{ include "switchyard.secretName" $ }}
*/}}
{{- define "switchyard.secretName" -}}
{{- .Values.existingSecret | default (include "switchyard.name" (list . "secrets")) -}}
{{- end -}}

{{/*
switchyard.topologySpread: spread a component's pods over nodes and zones, as far as the cluster allows.
Usage: {{ include "switchyard.topologySpread" (list $ "orders") | nindent 6 }}
*/}}
{{- define "switchyard.topologySpread" -}}
{{- range $key := list "kubernetes.io/hostname" "topology.kubernetes.io/zone" }}
- maxSkew: 1
  topologyKey: {{ $key }}
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "switchyard.selectorLabels" $ | nindent 6 }}
{{- end }}
{{- end -}}

{{/*
switchyard.databaseConnections: the most connections the services may hold on the bundled Postgres:
per service (its most pods + 1 during a rolling update) x (pool + the connections it keeps outside the
pool), plus 10 for superuser sessions, the setup Job and an operator.
Usage: {{ include "switchyard.databaseConnections" $ }}
*/}}
{{- define "switchyard.databaseConnections" -}}
{{- $total := 10 -}}
{{- range $name, $_ := .Values.services -}}
{{- $svc := include "switchyard.service" (list $ $name) | fromYaml -}}
{{- if $svc.database -}}
{{- $pods := ternary $svc.autoscaling.maxReplicas $svc.replicas $svc.autoscaling.enabled -}}
{{- $total = add $total (mul (add $pods 1) (add $svc.databasePoolMax ($svc.databaseExtraConnections | default 0))) -}}
{{- end -}}
{{- end -}}
{{- $total -}}
{{- end -}}

{{/*
switchyard.peers: the services a service reaches: its `calls`, plus users for one with `auth` (its key
set and service tokens), as a YAML list. The NetworkPolicies follow it.
Usage: {{- $peers := include "switchyard.peers" (list $ "orders") | fromYamlArray }}
*/}}
{{- define "switchyard.peers" -}}
{{- $entry := index (index . 0).Values.services (index . 1) | default dict -}}
{{- $peers := $entry.calls | default list -}}
{{- if and $entry.auth (not (has "users" $peers)) }}{{ $peers = append $peers "users" }}{{ end -}}
{{- toYaml $peers -}}
{{- end -}}

{{/*
switchyard.callers: the services that reach a service (whose peers name it), as a YAML list.
Usage: {{- $callers := include "switchyard.callers" (list $ "users") | fromYamlArray }}
*/}}
{{- define "switchyard.callers" -}}
{{- $root := index . 0 -}}
{{- $callers := list -}}
{{- range $name, $entry := $root.Values.services -}}
{{- if has (index $ 1) (include "switchyard.peers" (list $root $name) | fromYamlArray) }}{{ $callers = append $callers $name }}{{ end -}}
{{- end -}}
{{- toYaml $callers -}}
{{- end -}}

{{/*
switchyard.serviceClients: the services that get service tokens from users (every caller but the
gateway, which forwards users' own tokens), as a YAML list.
Usage: {{- range include "switchyard.serviceClients" $ | fromYamlArray }}
*/}}
{{- define "switchyard.serviceClients" -}}
{{- $clients := list -}}
{{- range $name, $entry := .Values.services -}}
{{- if and $entry.calls (ne $name "gateway") }}{{ $clients = append $clients $name }}{{ end -}}
{{- end -}}
{{- toYaml $clients -}}
{{- end -}}

{{/*
switchyard.podSecurity / switchyard.containerSecurity: the locked-down security contexts.
Usage: {{ include "switchyard.podSecurity" 10001 | nindent 6 }}
       {{ include "switchyard.containerSecurity" (dict "readOnly" true) | nindent 10 }}
*/}}
{{- define "switchyard.podSecurity" -}}
runAsNonRoot: true
runAsUser: {{ . }}
runAsGroup: {{ . }}
fsGroup: {{ . }}
{{- /* Volume ownership is fixed once, not on every mount: a recursive chmod would make RabbitMQ's
Erlang cookie group-readable (which Erlang refuses) and slows every restart of a large data volume. */}}
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "switchyard.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: {{ .readOnly }}
privileged: false
capabilities:
  drop: [ALL]
{{- end -}}
