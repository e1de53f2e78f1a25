{{/*
The prefix of every object's name: "restapi-operator" for a release of that
name, as `make deploy` names them. At most 28 characters, so that the longest
name, the metrics Service's (a DNS label: 63 at most), stays valid.
*/}}
{{- define "restapi-operator.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 28 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 28 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 28 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The operator's namespace. */}}
{{- define "restapi-operator.namespace" -}}
{{- .Values.namespace.name | default .Release.Namespace -}}
{{- end -}}

{{/* The manager's ServiceAccount. */}}
{{- define "restapi-operator.serviceAccount" -}}
{{- include "restapi-operator.fullname" . }}-controller-manager
{{- end -}}

{{/* Labels Helm adds to every object. */}}
{{- define "restapi-operator.helmLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{/* Labels of the objects that `make deploy` labels too. */}}
{{- define "restapi-operator.labels" -}}
app.kubernetes.io/name: restapi-operator
{{ include "restapi-operator.helmLabels" . }}
{{- end -}}

{{/* The manager's Pods, as the Deployment and its Service select them. */}}
{{- define "restapi-operator.selectorLabels" -}}
control-plane: controller-manager
app.kubernetes.io/name: restapi-operator
{{- end -}}

{{/* The manager's image reference. */}}
{{- define "restapi-operator.image" -}}
{{- if hasPrefix "sha256:" (toString .Values.image.tag) -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.tag -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (toString .Values.image.tag) -}}
{{- end -}}
{{- end -}}
