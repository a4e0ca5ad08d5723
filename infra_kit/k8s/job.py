"""Scheduled work: :class:`ScheduledJob`, a CronJob with what every workload gets."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_kubernetes as k8s

from infra_kit.aws.irsa import OidcIdentity
from infra_kit.core.environment import Environment
from infra_kit.k8s import _workload as pod
from infra_kit.k8s._deviations import deviation_annotations, image_deviations
from infra_kit.k8s._job_plan import ScheduledJobArgs, plan_job
from infra_kit.k8s._parts import (
    RoleHolder,
    resolve_namespace,
    workload_config,
    workload_identity,
    workload_network_policy,
)
from infra_kit.k8s._security import ContainerSecurity, scratch_mount

__all__ = ["ScheduledJob"]


class ScheduledJob(RoleHolder):
    """A container run to completion on a schedule: a ``batch/v1`` CronJob with the same
    identity, configuration, security, sizing, network policy and telemetry as a
    :class:`~infra_kit.k8s.Worker`.

    Children (Kubernetes objects named ``<name>`` in the namespace, created through ``provider``):

    - ``IrsaRole`` ``<name>-irsa`` when ``oidc`` is given: trusted by exactly
      ``<namespace>/<name>``; ``.iam_role`` receives ``grant_*`` calls
      (``bucket.grant_read(job)``, ``queue.grant_consume(job)``) (SEC-1);
    - ``ServiceAccount`` ``<name>-sa``: the role ARN annotation; no token automount (SEC-4);
    - ``ConfigMap`` ``<name>-config``: immutable, content-hashed name, ``envFrom`` (K8S-2);
    - ``CronJob`` ``<name>-cronjob``: the schedule in ``time_zone`` (``Etc/UTC`` by default),
      the concurrency policy, starting deadline, history limits and suspension, and a Job
      template with its backoff limit and active deadline, all from the profile's ``jobs``
      section unless given; its pod: restricted security contexts and a ``/tmp`` emptyDir
      (SEC-4), the image pinned by tag and, where the profile says so, by digest, with the
      pull policy that fits (SEC-4), CPU and memory requests and limits from the profile's
      ``workloads`` section (K8S-1), the OTel environment (OBS-1), secret ARNs, never values
      (SEC-2), and ``restartPolicy: Never``;
    - ``NetworkPolicy`` ``<name>-netpol`` (NET-5): no ingress at all; egress to DNS, the node's
      OTel agent, AWS APIs (only with a role; see :meth:`~infra_kit.k8s.Egress.aws_apis`) and
      the ``egress_to`` destinations.

    A failed run stays visible long enough to be diagnosed: ``restartPolicy: Never`` makes each
    retry a new pod, so every failed attempt's pod, and its logs, stays (``kubectl logs``); the
    CronJob keeps the last ``failed_jobs_history_limit`` failed Jobs (3 in dev and previews, 7 in
    stage and prod; never fewer than 1); and the Job template sets no
    ``ttlSecondsAfterFinished``, which would delete a failed Job, pods included, after that
    many seconds whoever had read it. Only a newer failure pushes an old one out.

    The container has no probes: it is not a long-running service, nothing routes traffic to
    it, and its active deadline ends a run that hangs. ``infra-kit check``'s probe rule
    (``IK-K8S-1-PROBES``) applies to long-running kinds only. No Service, HPA,
    PodDisruptionBudget or zone spread either: a run is one pod that nothing calls, so K8S-3,
    K8S-4 and HA-1 have nothing to hold. No alarm on failed runs: the collectors publish pod CPU
    and memory (:mod:`infra_kit.k8s.cluster_metrics`) keyed by Deployment, not Job outcomes, so
    nothing in CloudWatch says that a run failed; until they do, failed runs are read with
    ``kubectl get jobs`` and ``kubectl logs``.

    Prescriptions: SEC-1, SEC-2, SEC-4, K8S-1 (requests and limits), K8S-2, NET-5, OBS-1.

    ``provider`` is the cluster's Kubernetes provider. ``oidc`` (the cluster's OIDC identity)
    gives the job AWS access through IRSA; without it the job has no IAM role.

    Args:
        name: the component's name; every child's logical name starts with it.
        args: its settings, [ScheduledJobArgs][infra_kit.k8s.ScheduledJobArgs].
        env: the stack's [Environment][infra_kit.core.environment.Environment]: profile, tags and
            AWS provider.
        provider: the cluster's ``pulumi_kubernetes.Provider``, which creates every Kubernetes object.
        oidc: the cluster's [OidcIdentity][infra_kit.aws.OidcIdentity] (``Cluster.oidc``, or the
            platform's outputs); it gives the pods an IRSA role. Default: none, no IAM role.
        opts: Pulumi options for the component; every child is parented to it.

    Attributes:
        namespace: the name of the namespace it runs in.
        selector: the labels that select its pods (``app.kubernetes.io/name`` and ``/instance``).
        iam_role: its IRSA ``aws.iam.Role``, which ``grant_*`` methods extend. Reading it without
            ``oidc`` raises a ``ValidationError``.
        cron_job: the ``CronJob``.
    """

    TYPE = "infra-kit:k8s:ScheduledJob"

    def __init__(
        self,
        name: str,
        args: ScheduledJobArgs,
        env: Environment,
        *,
        provider: k8s.Provider,
        oidc: OidcIdentity | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        namespace, namespace_deps = resolve_namespace(args.namespace)
        plan = plan_job(name, args, env.profile, has_role=oidc is not None)
        labels = env.labels(name, component="scheduled-job", version=plan.image.version)
        super().__init__(name, env, opts)
        self.namespace = namespace
        self.selector = {
            k: labels[k] for k in ("app.kubernetes.io/name", "app.kubernetes.io/instance")
        }

        def opts_() -> pulumi.ResourceOptions:
            return self.child_opts(provider=provider, depends_on=namespace_deps)

        def meta(
            object_name: str = name, annotations: Mapping[str, pulumi.Input[str]] | None = None
        ) -> k8s.meta.v1.ObjectMetaArgs:
            return k8s.meta.v1.ObjectMetaArgs(
                name=object_name,
                namespace=namespace,
                labels=labels,
                annotations=dict(annotations) if annotations else None,
            )

        self._irsa, account = workload_identity(
            self, namespace=namespace, oidc=oidc, meta=meta, opts=opts_()
        )
        config = workload_config(self, config=args.config, meta=meta, opts=opts_())
        container = k8s.core.v1.ContainerArgs(
            name="app",
            image=str(plan.image),
            image_pull_policy=plan.image.pull_policy,
            command=list(args.command) or None,
            args=list(args.args) or None,
            env=pod.container_env(
                name=name,
                environment=env.profile.name,
                version=plan.image.version,
                secret_arns={**args.secret_arns, **args.resource_refs},
            ),
            env_from=pod.config_env_from(config.metadata.name),
            resources=plan.resources.to_args(),
            security_context=ContainerSecurity().to_args(),
            volume_mounts=[scratch_mount()],
        )
        template = k8s.core.v1.PodTemplateSpecArgs(
            metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
            spec=pod.restricted_pod_spec(
                container=container,
                service_account=account.metadata.name,
                mount_token=args.mount_service_account_token,
                # Each retry is a new pod, so a failed attempt's pod and logs stay.
                restart_policy="Never",
            ),
        )
        # prescription: K8S-1, SEC-4 -- sized, restricted; failed runs kept for diagnosis.
        self.cron_job = k8s.batch.v1.CronJob(
            self.child("cronjob"),
            # A digest pulled IfNotPresent is a deviation some scanners flag (ADR 0027).
            metadata=meta(annotations=deviation_annotations(image_deviations(plan.image))),
            spec=k8s.batch.v1.CronJobSpecArgs(
                schedule=plan.schedule,
                time_zone=plan.time_zone,
                concurrency_policy=plan.concurrency_policy,
                starting_deadline_seconds=plan.starting_deadline_seconds,
                successful_jobs_history_limit=plan.successful_jobs_history_limit,
                failed_jobs_history_limit=plan.failed_jobs_history_limit,
                suspend=plan.suspend,
                job_template=k8s.batch.v1.JobTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
                    spec=k8s.batch.v1.JobSpecArgs(
                        backoff_limit=plan.backoff_limit,
                        active_deadline_seconds=plan.active_deadline_seconds,
                        template=template,
                    ),
                ),
            ),
            opts=opts_(),
        )
        workload_network_policy(
            self, selector=self.selector, ingress=[], egress=plan.egress, meta=meta, opts=opts_()
        )
        self.register_outputs(
            {
                "namespace": namespace,
                "cron_job": self.cron_job.metadata.name,
                "role_arn": self._irsa.arn if self._irsa else None,
            }
        )
