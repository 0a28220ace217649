"""How long AWS takes to create the slow resource types this package registers (first deploy).

One row per type that takes noticeable time; every other type gets the preview's small default
(infra/preview/creation_times.py). Figures are typical, not worst cases: each row names where it
comes from. Nothing here was measured in an AWS account by this project (none is reachable here):
the sources are AWS announcements and provider logs and acceptance-test timings in public threads.
A type listed here must be one the mock table (mock_outputs.py) lists: tests/test_estimate.py checks.
"""

from __future__ import annotations

from components.cloud import CreationTime

AWS_CREATION_TIMES: dict[str, CreationTime] = {
    "aws:msk/cluster:Cluster": CreationTime(
        30,
        "https://github.com/mattclay/aws-terminator/pull/143",
        "Ansible's CI maintainers: MSK create_cluster needs 'at least 30 (maybe 40) minutes' (us-east-1, us-west-2); "
        "hashicorp/terraform-provider-aws#17726 reports up to 60",
    ),
    "aws:rds/instance:Instance": CreationTime(
        15,
        "https://github.com/hashicorp/terraform/issues/498",
        "RDS event log: 5-10 min single-AZ, 15-20 min Multi-AZ (the prod preset is Multi-AZ)",
    ),
    "aws:elasticache/replicationGroup:ReplicationGroup": CreationTime(
        10,
        "https://github.com/hashicorp/terraform-provider-aws/pull/49221",
        "provider acceptance tests that create and destroy a Multi-AZ group in a VPC: 563 s here, 852 s in #22183",
    ),
    "aws:eks/cluster:Cluster": CreationTime(
        10,
        "https://github.com/terraform-aws-modules/terraform-aws-eks/pull/3218",
        "apply log 'aws_eks_cluster.this[0]: Creation complete after 10m6s'; AWS's stated average is 9 min "
        "(aws-samples/eks-workshop#1101)",
    ),
    "aws:eks/addon:Addon": CreationTime(
        3,
        "https://github.com/terraform-aws-modules/terraform-aws-eks/pull/3214",
        "AWS support: the add-on API is ready about 3 min after the cluster turns ACTIVE (add-ons retry until then); "
        "CoreDNS and the EBS CSI driver also wait for nodes",
    ),
    "aws:eks/nodeGroup:NodeGroup": CreationTime(
        2,
        "https://github.com/DevopsArtFactory/terraform-provisioning/pull/46",
        "apply log 'aws_eks_node_group ... Creation complete after 1m48s' (and 1m59s)",
    ),
    "aws:ec2/natGateway:NatGateway": CreationTime(
        2,
        "https://github.com/kubernetes/kops/pull/944",
        "kops waits for 'available', which takes 'up to 5 min'; 2 is taken as typical, not measured here",
    ),
    "aws:ec2/vpc:Vpc": CreationTime(
        0.5,
        "https://github.com/turbot/steampipe-plugin-aws/pull/246",
        "apply logs 'aws_vpc.my_vpc: Creation complete after 39s' (20s in #184)",
    ),
}
