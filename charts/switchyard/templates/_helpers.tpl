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
switchyard.secretName: the Secret holding generated passwords, the JWT key and connection URLs.
Usage: {{ include "switchyard.secretName" $ }}
*/}}
{{- define "switchyard.secretName" -}}
{{- include "switchyard.name" (list . "secrets") -}}
{{- end -}}

{{/*
switchyard.callers: the services whose `calls` list names a service, as a YAML list.
Usage: {{- $callers := include "switchyard.callers" (list $ "users") | fromYamlArray }}
*/}}
{{- define "switchyard.callers" -}}
{{- $root := index . 0 -}}
{{- $callers := list -}}
{{- range $name, $entry := $root.Values.services -}}
{{- if has (index $ 1) ($entry.calls | default list) }}{{ $callers = append $callers $name }}{{ end -}}
{{- end -}}
{{- toYaml $callers -}}
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
