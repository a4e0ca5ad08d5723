"""Edge cases of the AWS resource rules (TAG-1, DR-1, SEC-3, OBS-2, NET-1..3, EDGE-1)."""

from __future__ import annotations

import json

from tests.policy.cases_aws import (
    BLOCK,
    BUCKET,
    KEY_ARN,
    LAUNCH_TEMPLATE,
    LOG_GROUP,
    POLICY,
    QUEUE,
    SG,
    SSE,
    VPC,
    depends,
    full_bucket,
    log_group,
    network,
    queue,
    sse_config,
    tls_only,
)
from tests.policy.graphs import REQUIRED_TAGS, doc, k8s, resource, rule_ids, urn

BUCKET_URN = urn(BUCKET, "docs")


def _without(records: list[dict], type_: str) -> list[dict]:
    return [r for r in records if r["type"] != type_]


# -- TAG-1 --------------------------------------------------------------------------------------
def test_default_tags_of_the_provider_satisfy_the_required_tags() -> None:
    assert rule_ids(doc(queue(protect=True)), "IK-TAG-1-REQUIRED") == []


def test_a_resource_tag_cannot_blank_a_required_default_tag() -> None:
    record = resource(QUEUE, "jobs", {"kmsMasterKeyId": KEY_ARN, "tags": {"team": ""}})
    assert rule_ids(doc(record), "IK-TAG-1-REQUIRED") == [urn(QUEUE, "jobs")]


def test_a_type_without_a_tags_input_is_not_required_to_have_tags() -> None:
    record = resource("aws:iam/rolePolicy:RolePolicy", "p", {"policy": "{}"}, provider=None)
    assert rule_ids(doc(record), "IK-TAG-1-REQUIRED") == []


def test_a_launch_template_without_a_network_interface_specification_is_found() -> None:
    specs = [{"resourceType": k, "tags": REQUIRED_TAGS} for k in ("instance", "volume")]
    record = resource(LAUNCH_TEMPLATE, "nodes", {"tagSpecifications": specs})
    hits = rule_ids(doc(record), "IK-TAG-1-CREATED-BY-AWS")
    assert hits == [urn(LAUNCH_TEMPLATE, "nodes")]


def test_an_ebs_storage_class_must_tag_the_volumes_it_creates() -> None:
    params = {f"tagSpecification_{i}": f"{k}={v}" for i, (k, v) in enumerate(REQUIRED_TAGS.items())}
    tagged = k8s("StorageClass", "gp3", None, namespace=None, provisioner="ebs.csi.aws.com",
                 parameters=params)  # fmt: skip
    bare = k8s("StorageClass", "gp3", None, namespace=None, provisioner="ebs.csi.aws.com",
               parameters={"type": "gp3"})  # fmt: skip
    assert rule_ids(doc(tagged), "IK-TAG-1-CREATED-BY-AWS") == []
    assert rule_ids(doc(bare), "IK-TAG-1-CREATED-BY-AWS") == [bare["urn"]]


# -- DR-1 ---------------------------------------------------------------------------------------
def test_a_dev_graph_does_not_require_protection() -> None:
    graph = doc(queue(stack="dev"), log_group(deletionProtectionEnabled=False), stack="dev")
    assert rule_ids(graph, "IK-DR-1-UNPROTECTED") == []
    assert rule_ids(graph, "IK-DR-1-DELETION-PROTECTION") == []


def test_protect_without_retain_on_delete_is_not_enough() -> None:
    assert rule_ids(doc(queue(protect=True, retain_on_delete=False)), "IK-DR-1-UNPROTECTED") == [
        urn(QUEUE, "jobs")
    ]


def test_an_rds_instance_that_skips_its_final_snapshot_is_found() -> None:
    rds = resource("aws:rds/instance:Instance", "db",
                   {"deletionProtection": True, "skipFinalSnapshot": True}, protect=True)  # fmt: skip
    assert rule_ids(doc(rds), "IK-DR-1-DELETION-PROTECTION") == [rds["urn"]]


def test_force_destroy_on_a_bucket_passes_only_with_a_recorded_reason() -> None:
    silent = resource(BUCKET, "docs", {"forceDestroy": True}, protect=True)
    reason = {"infra-kit:destroy-with-objects-reason": "scratch data rebuilt nightly from source"}
    said = resource(BUCKET, "docs", {"forceDestroy": True, "tags": reason}, protect=True)
    assert rule_ids(doc(silent), "IK-DR-1-DELETION-PROTECTION") == [BUCKET_URN]
    assert rule_ids(doc(said), "IK-DR-1-DELETION-PROTECTION") == []


def test_a_dynamodb_table_needs_deletion_protection_in_prod() -> None:
    table = resource("aws:dynamodb/table:Table", "t", {"hashKey": "id"}, protect=True)
    assert rule_ids(doc(table), "IK-DR-1-DELETION-PROTECTION") == [table["urn"]]


# -- SEC-3 at rest ------------------------------------------------------------------------------
def test_a_bucket_with_sse_s3_fails_the_cmk_rule() -> None:
    records = [*_without(full_bucket(), SSE), sse_config("docs-0a1b2c3", "AES256", None)]
    assert rule_ids(doc(*records), "IK-SEC-3-CMK") == [BUCKET_URN]


def test_an_aws_managed_key_is_not_a_customer_managed_key() -> None:
    records = [*_without(full_bucket(), SSE), sse_config("docs-0a1b2c3", key="alias/aws/s3")]
    assert rule_ids(doc(*records), "IK-SEC-3-CMK") == [BUCKET_URN]


def test_an_encryption_config_of_another_bucket_does_not_count() -> None:
    records = [*_without(full_bucket(), SSE), sse_config("other-bucket")]
    assert rule_ids(doc(*records), "IK-SEC-3-CMK") == [BUCKET_URN]


def test_an_encryption_config_matches_by_the_bucket_input_or_by_dependency() -> None:
    bucket = resource(BUCKET, "docs", {"bucket": "docs-physical"}, protect=True)
    by_name = sse_config("docs-physical")
    assert rule_ids(doc(bucket, by_name), "IK-SEC-3-CMK") == []
    unknown = depends(sse_config("[unknown]"), bucket)
    assert rule_ids(doc(bucket, unknown), "IK-SEC-3-CMK") == []


def _sse_s3_log_bucket() -> tuple[dict[str, object], list[dict[str, object]]]:
    logs = resource(BUCKET, "logs", {}, protect=True)
    records = [*full_bucket(), logs, sse_config("logs-1234abc", "AES256", None),
               resource("aws:s3/bucketLogging:BucketLogging", "docs-logging",
                        {"bucket": "docs-0a1b2c3", "targetBucket": "logs-1234abc"})]  # fmt: skip
    return logs, records


def test_an_sse_s3_access_log_bucket_is_reported_naming_the_aws_limitation() -> None:
    from infra_kit.policy import RULES, rules_for

    rules_for()
    logs, records = _sse_s3_log_bucket()
    [hit] = RULES["IK-SEC-3-CMK"].run(doc(*records))
    assert hit.urn == logs["urn"]
    assert "receives S3 server access logs" in hit.message
    assert "SSE-S3 only" in hit.message


def test_an_sse_s3_access_log_bucket_is_accepted_only_with_a_suppression_that_says_why() -> None:
    from infra_kit.policy import RULES, check_graph, rules_for
    from tests.policy.graphs import suppression

    rules_for()
    logs, records = _sse_s3_log_bucket()
    reason = "server access log destinations are SSE-S3 only"
    report = check_graph(
        doc(*records, suppression(str(logs["urn"]), "IK-SEC-3-CMK", reason)),
        [RULES["IK-SEC-3-CMK"]],
    )
    assert report.failed == []
    assert len(report.accepted) == 1


def test_a_lambda_with_environment_variables_needs_a_kms_key() -> None:
    fn = resource("aws:lambda/function:Function", "f", {"environment": {"variables": {"A": "1"}}})
    keyed = resource("aws:lambda/function:Function", "g",
                     {"environment": {"variables": {"A": "1"}}, "kmsKeyArn": KEY_ARN})  # fmt: skip
    assert rule_ids(doc(fn, keyed), "IK-SEC-3-CMK") == [fn["urn"]]


def test_an_unencrypted_launch_template_block_device_is_found() -> None:
    device = {"deviceName": "/dev/xvda", "ebs": {"encrypted": "true"}}
    lt = resource(LAUNCH_TEMPLATE, "nodes", {"blockDeviceMappings": [device]})
    assert rule_ids(doc(lt), "IK-SEC-3-CMK") == [lt["urn"]]


def test_an_ebs_storage_class_without_a_kms_key_is_found() -> None:
    sc = k8s("StorageClass", "gp3", None, namespace=None, provisioner="ebs.csi.aws.com",
             parameters={"encrypted": "true"})  # fmt: skip
    assert rule_ids(doc(sc), "IK-SEC-3-CMK") == [sc["urn"]]


def test_an_asymmetric_key_need_not_rotate() -> None:
    key = resource("aws:kms/key:Key", "sign", {"customerMasterKeySpec": "ECC_NIST_P256",
                                               "keyUsage": "SIGN_VERIFY"})  # fmt: skip
    assert rule_ids(doc(key), "IK-SEC-3-KEY-ROTATION") == []


# -- SEC-3 in transit ---------------------------------------------------------------------------
def test_a_bucket_policy_without_the_secure_transport_deny_is_found() -> None:
    allow = json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]})
    records = [*_without(full_bucket(), POLICY),
               resource(POLICY, "docs-policy", {"bucket": "docs-0a1b2c3", "policy": allow})]  # fmt: skip
    assert rule_ids(doc(*records), "IK-SEC-3-IN-TRANSIT") == [BUCKET_URN]
    assert json.loads(tls_only("x"))["Statement"][0]["Effect"] == "Deny"


def test_a_postgres_parameter_group_must_force_ssl() -> None:
    group = "aws:rds/parameterGroup:ParameterGroup"
    off = resource(group, "pg", {"family": "postgres16", "parameters": [
        {"name": "rds.force_ssl", "value": "0"}]})  # fmt: skip
    on = resource(group, "pg2", {"family": "postgres16", "parameters": [
        {"name": "rds.force_ssl", "value": "1"}]})  # fmt: skip
    assert rule_ids(doc(off, on), "IK-SEC-3-IN-TRANSIT") == [off["urn"]]


def test_an_http_listener_must_redirect_to_https() -> None:
    listener = "aws:lb/listener:Listener"
    plain = resource(
        listener, "http", {"protocol": "HTTP", "defaultActions": [{"type": "forward"}]}
    )
    redirect = resource(listener, "redirect", {"protocol": "HTTP", "defaultActions": [
        {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443"}}]})  # fmt: skip
    no_cert = resource(listener, "https", {"protocol": "HTTPS"})
    assert rule_ids(doc(plain, redirect, no_cert), "IK-SEC-3-IN-TRANSIT") == sorted(
        [plain["urn"], no_cert["urn"]]
    )


def test_an_alb_ingress_with_http_and_no_redirect_is_found() -> None:
    annotations = {
        "alb.ingress.kubernetes.io/listen-ports": '[{"HTTP": 80}, {"HTTPS": 443}]',
        "alb.ingress.kubernetes.io/certificate-arn": "arn:aws:acm:::certificate/1",
    }
    bad = k8s("Ingress", "web", {"ingressClassName": "alb"}, metadata={"annotations": annotations})
    fixed = {**annotations, "alb.ingress.kubernetes.io/ssl-redirect": "443"}
    good = k8s("Ingress", "web", {"ingressClassName": "alb"}, metadata={"annotations": fixed})
    assert rule_ids(doc(bad), "IK-SEC-3-IN-TRANSIT") == [bad["urn"]]
    assert rule_ids(doc(good), "IK-SEC-3-IN-TRANSIT") == []


# -- OBS-2 --------------------------------------------------------------------------------------
def test_a_log_group_without_a_key_or_retention_is_found() -> None:
    record = resource(LOG_GROUP, "raw", {"name": "/raw"}, protect=True)
    assert rule_ids(doc(record), "IK-OBS-2-LOG-GROUP") == [record["urn"]]


def test_the_flow_log_destination_group_is_audit_class_in_prod_only() -> None:
    group = log_group("flow", name="/vpc-flow-logs/x", retentionInDays=90)
    flow = resource("aws:ec2/flowLog:FlowLog", "fl", {
        "vpcId": "vpc-1", "logDestinationType": "cloud-watch-logs",
        "logDestination": "arn:aws:logs:us-east-1:1:log-group:/vpc-flow-logs/x"})  # fmt: skip
    assert rule_ids(doc(group, flow), "IK-OBS-2-AUDIT-RETENTION") == [group["urn"]]
    dev = doc(log_group("flow", name="/vpc-flow-logs/x", retentionInDays=14), flow, stack="dev")
    assert rule_ids(dev, "IK-OBS-2-AUDIT-RETENTION") == []


def test_an_ordinary_log_group_is_not_audit_class() -> None:
    assert rule_ids(doc(log_group(retentionInDays=30)), "IK-OBS-2-AUDIT-RETENTION") == []


# -- NET ----------------------------------------------------------------------------------------
def test_a_vpc_whose_flow_logs_are_off_with_a_reason_passes() -> None:
    records = network(flow_log=False)
    records[0]["inputs"]["tags"] = {"flow-logs-disabled-reason": "throwaway load test network"}
    assert rule_ids(doc(*records), "IK-NET-3-FLOW-LOGS") == []


def test_a_flow_log_of_another_vpc_does_not_count() -> None:
    other = resource(VPC, "other-vpc", {"cidrBlock": "10.1.0.0/16"})
    records = [*network(), other]
    assert rule_ids(doc(*records), "IK-NET-3-FLOW-LOGS") == [other["urn"]]


def test_a_default_security_group_with_rules_is_found() -> None:
    records = network()
    records[2]["inputs"]["ingress"] = [{"protocol": "-1", "self": True}]
    assert rule_ids(doc(*records), "IK-NET-2-DEFAULT-SG") == [records[2]["urn"]]


def test_ipv6_open_ingress_is_found_in_every_rule_shape() -> None:
    modern = resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "v6",
                      {"cidrIpv6": "::/0", "ipProtocol": "tcp"})  # fmt: skip
    legacy = resource("aws:ec2/securityGroupRule:SecurityGroupRule", "legacy",
                      {"type": "ingress", "ipv6CidrBlocks": ["0::/0"]})  # fmt: skip
    egress = resource("aws:ec2/securityGroupRule:SecurityGroupRule", "out",
                      {"type": "egress", "cidrBlocks": ["0.0.0.0/0"]})  # fmt: skip
    inline = resource(SG, "web", {"ingress": [{"ipv6CidrBlocks": ["::/0"]}]})
    hits = rule_ids(doc(modern, legacy, egress, inline), "IK-NET-2-OPEN-INGRESS")
    assert hits == sorted([modern["urn"], legacy["urn"], inline["urn"]])


def test_a_public_exposure_with_a_suppression_is_accepted() -> None:
    from infra_kit.policy import RULES, check_graph, rules_for
    from tests.policy.graphs import suppression

    rules_for()
    sg = resource(SG, "web", {"ingress": [{"cidrBlocks": ["0.0.0.0/0"]}]})
    graph = doc(
        sg, suppression(sg["urn"], "IK-NET-2-OPEN-INGRESS", "public HTTPS edge for customers")
    )
    report = check_graph(graph, [RULES["IK-NET-2-OPEN-INGRESS"]])
    assert report.failed == []
    assert len(report.accepted) == 1


def test_public_eks_rds_and_function_urls_are_found() -> None:
    eks = resource("aws:eks/cluster:Cluster", "c", {"vpcConfig": {"subnetIds": ["s"]}})
    rds = resource("aws:rds/instance:Instance", "db", {"publiclyAccessible": True})
    url = resource("aws:lambda/functionUrl:FunctionUrl", "u", {"authorizationType": "NONE"})
    private = resource("aws:eks/cluster:Cluster", "p",
                       {"vpcConfig": {"endpointPublicAccess": False}})  # fmt: skip
    hits = rule_ids(doc(eks, rds, url, private), "IK-NET-1-PUBLIC-ENDPOINT")
    assert hits == sorted([eks["urn"], rds["urn"], url["urn"]])


def test_a_public_access_block_missing_one_flag_does_not_count() -> None:
    records = full_bucket()
    next(r for r in records if r["type"] == BLOCK)["inputs"]["restrictPublicBuckets"] = False
    assert rule_ids(doc(*records), "IK-NET-1-PUBLIC-ENDPOINT") == [BUCKET_URN]


def test_an_internet_facing_load_balancer_service_is_found() -> None:
    scheme = {"service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing"}
    svc = k8s("Service", "edge", {"type": "LoadBalancer"}, metadata={"annotations": scheme})
    internal = k8s("Service", "in", {"type": "LoadBalancer"})
    assert rule_ids(doc(svc, internal), "IK-EDGE-1-PUBLIC-LOAD-BALANCER") == [svc["urn"]]
