"""RDS PostgreSQL for Rasa's tracker store: encrypted with a customer key, TLS forced, private,
Multi-AZ, deletion protection and a final snapshot when settings ask, backups, logs and
Performance Insights.

Two database roles: the master user (generated password, kept as a Pulumi secret for the
in-cluster bootstrap) and Rasa's application user `trackerStore.username`, whose generated
password travels in the connection. The bootstrap job (a later issue) creates that role with
this password (or, with aws.iamAuth, grants it `rds_iam`).

The connection limit is fixed in the parameter group to the value `max_connections_for` reports,
so the connection budget is computed against the server's real limit, not an estimate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.aws.context import AwsContext, ClusterAccess, NetworkInfo, data_security_group, log_group
from components.aws.kms import service_key_arn
from components.aws.rds_ca import root_ca_pem
from components.contracts import NetworkAccess, PostgresConnection, PostgresSslMode

MASTER_USERNAME = "rasa_admin"
# RDS rejects '/', '"', '@' and spaces in passwords; these survive every client and URL we use.
PASSWORD_SPECIALS = "-_.~!#%^*+="
LOG_EXPORTS = ["postgresql", "upgrade"]
# The CA RDS signs server certificates with, chosen explicitly (RSA 2048, valid until 2061).
CA_CERT_IDENTIFIER = "rds-ca-rsa2048-g1"

# RDS PostgreSQL's default: LEAST({DBInstanceClassMemory/9531392}, 5000).
BYTES_PER_CONNECTION = 9531392
MAX_CONNECTIONS_CAP = 5000
GIB = 1024 ** 3


def _classes() -> dict[str, int]:
    """RDS PostgreSQL instance classes → memory in GiB."""
    table: dict[str, int] = {}
    burstable = {"micro": 1, "small": 2, "medium": 4, "large": 8, "xlarge": 16, "2xlarge": 32}
    for family in ("t3", "t4g"):
        for size, gib in burstable.items():
            table[f"db.{family}.{size}"] = gib
    sizes = {"large": 1, "xlarge": 2, "2xlarge": 4, "4xlarge": 8, "8xlarge": 16, "12xlarge": 24, "16xlarge": 32}
    for family, gib_per_unit in (("m5", 8), ("m6g", 8), ("m6i", 8), ("m7g", 8),
                                 ("r5", 16), ("r6g", 16), ("r6i", 16), ("r7g", 16)):
        for size, units in sizes.items():
            table[f"db.{family}.{size}"] = units * gib_per_unit
    return table


INSTANCE_CLASS_MEMORY_GIB: dict[str, int] = _classes()


def max_connections_for(instance_class: str) -> int:
    """The server's connection limit for an instance class. KeyError for an unknown class."""
    memory = INSTANCE_CLASS_MEMORY_GIB[instance_class] * GIB
    return min(memory // BYTES_PER_CONNECTION, MAX_CONNECTIONS_CAP)


def parameter_group_family(engine_version: str) -> str:
    return f"postgres{engine_version.split('.')[0]}"


@dataclass(frozen=True)
class TrackerStoreArgs:
    context: AwsContext
    network: NetworkInfo
    cluster: ClusterAccess
    instance_class: str
    max_connections: int  # from the plan (the instance class's memory): written into the parameter group
    engine_version: str
    port: int
    database: str
    username: str  # Rasa's own role, never the master user
    storage_gb: int
    max_storage_gb: int
    backup_days: int
    high_availability: bool
    ssl_mode: PostgresSslMode
    ca_cert: Optional[str] = None  # trackerStore.caCert; unset: the vendored root of the region (rds_ca)
    iam_auth: bool = False


class TrackerStore(pulumi.ComponentResource):
    connection: PostgresConnection
    instance: aws.rds.Instance
    admin_username: str = MASTER_USERNAME
    admin_password: pulumi.Output[str]

    def __init__(self, name: str, args: TrackerStoreArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("rasa-platform:aws:TrackerStore", name, None, opts)
        ctx = args.context
        iam = args.iam_auth
        protect = ctx.protect
        child = pulumi.ResourceOptions(parent=self)
        identifier = ctx.name("tracker", 63)

        key_arn = service_key_arn(ctx, name, "tracker-store", "RDS tracker store: storage and Performance Insights", self)
        security_group = data_security_group(
            ctx, f"{name}-sg", parent=self, network=args.network,
            cluster_sources=args.cluster.client_security_group_ids, ports=[args.port],
            description="Rasa tracker store (PostgreSQL TLS)",
        )
        subnets = aws.rds.SubnetGroup(
            f"{name}-subnets",
            description="Rasa tracker store: data subnets",
            subnet_ids=list(args.network.data_subnet_ids),
            tags=ctx.tags(),
            opts=child,
        )
        parameters = aws.rds.ParameterGroup(
            f"{name}-parameters",
            family=parameter_group_family(args.engine_version),
            description="Rasa tracker store: TLS only, SCRAM passwords, fixed connection limit",
            parameters=[
                {"name": "rds.force_ssl", "value": "1", "apply_method": "immediate"},
                {"name": "password_encryption", "value": "scram-sha-256", "apply_method": "immediate"},
                {"name": "max_connections", "value": str(args.max_connections), "apply_method": "pending-reboot"},
            ],
            tags=ctx.tags(),
            opts=child,
        )
        # RDS would create these itself, unencrypted and kept forever.
        logs = [log_group(ctx, f"{name}-log-{kind}", f"/aws/rds/instance/{identifier}/{kind}", parent=self) for kind in LOG_EXPORTS]

        master_password = random.RandomPassword(
            f"{name}-master-password", length=40, special=True, override_special=PASSWORD_SPECIALS,
            min_lower=4, min_upper=4, min_numeric=4, opts=child,
        )
        self.admin_password = pulumi.Output.secret(master_password.result)
        app_password: Optional[pulumi.Output[str]] = None
        if not iam:
            generated = random.RandomPassword(
                f"{name}-app-password", length=40, special=True, override_special=PASSWORD_SPECIALS,
                min_lower=4, min_upper=4, min_numeric=4, opts=child,
            )
            app_password = pulumi.Output.secret(generated.result)

        # The root RDS signs this instance's certificate under (CA_CERT_IDENTIFIER, this region),
        # vendored because no image's system bundle has it; trackerStore.caCert overrides it.
        ca_cert = args.ca_cert or root_ca_pem(CA_CERT_IDENTIFIER, ctx.region)
        if ca_cert is None:
            pulumi.log.warn(
                f"no vendored RDS CA for {ctx.region} and trackerStore.caCert is not set: Rasa verifies RDS with "
                f"sslmode verify-full, so set it to https://truststore.pki.rds.amazonaws.com/{ctx.region}/"
                f"{ctx.region}-bundle.pem (README: AWS, the RDS CA).",
                resource=self,
            )
        self.instance = aws.rds.Instance(
            f"{name}-postgres",
            identifier=identifier,
            engine="postgres",
            engine_version=args.engine_version,
            instance_class=args.instance_class,
            db_name=args.database,
            port=args.port,
            username=MASTER_USERNAME,
            # Generated and kept as a Pulumi secret (not manage_master_user_password): the in-cluster
            # bootstrap needs it once to create Rasa's role, through the same secret path as all others.
            password=self.admin_password,
            iam_database_authentication_enabled=iam,
            parameter_group_name=parameters.name,
            db_subnet_group_name=subnets.name,
            vpc_security_group_ids=[security_group.id],
            publicly_accessible=False,
            network_type="IPV4",
            ca_cert_identifier=CA_CERT_IDENTIFIER,
            storage_type="gp3",
            allocated_storage=args.storage_gb,
            max_allocated_storage=args.max_storage_gb,
            storage_encrypted=True,
            kms_key_id=key_arn,
            multi_az=args.high_availability,
            deletion_protection=protect,
            skip_final_snapshot=not protect,
            final_snapshot_identifier=f"{identifier}-final" if protect else None,
            delete_automated_backups=not protect,
            backup_retention_period=args.backup_days,
            backup_window="02:00-03:00",
            maintenance_window="sun:03:30-sun:04:30",
            copy_tags_to_snapshot=True,
            auto_minor_version_upgrade=True,
            allow_major_version_upgrade=False,
            apply_immediately=False,
            enabled_cloudwatch_logs_exports=LOG_EXPORTS,
            performance_insights_enabled=True,
            performance_insights_kms_key_id=key_arn,
            performance_insights_retention_period=7,
            monitoring_interval=0,
            tags=ctx.tags(identifier),
            opts=pulumi.ResourceOptions(parent=self, depends_on=logs, protect=protect),
        )
        self.connection = PostgresConnection(
            host=self.instance.address,
            port=args.port,
            database=args.database,
            username=args.username,  # Rasa's own role, never the master user
            max_connections=args.max_connections,
            origin="managed",
            network=NetworkAccess(ports=(args.port,), cidrs=args.network.data_cidrs),
            password=app_password,
            ca_cert_pem=ca_cert,
            ssl_mode=args.ssl_mode,
            iam_auth=iam,
            resource_name=self.instance.identifier,
        )
        self.register_outputs({
            "endpoint": self.instance.address,
            "resourceId": self.instance.resource_id,
            "securityGroupId": security_group.id,
        })
