"""deploy/k8s/ generated from the code: `python -m tools.k8s` (`make k8s`) writes it, `--check` fails
naming the stale files.

What a service needs on Kubernetes is read from the places the code already declares it: the
services (their "huntaze.services" entry points), their settings classes (prefix, port, shutdown
grace, secrets, external peers), their subscriptions (consumed topics, timers, external calls), and
the event registry (topics, producers, partitions). Adding a service adds its manifests.

Modules, one per concern: model (the facts), workloads (Deployments, Services, autoscaling),
kafka (Strimzi), postgres (CloudNativePG), network (NetworkPolicies), monitoring (Prometheus
operator), overlays (local and production), layout (files and the README table), validate
(kustomize and kubeconform, used by tests/deploy).
"""
