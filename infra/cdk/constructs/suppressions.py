"""What feeds and guards the suppression list: the event destination that sends the bounce
and complaint events of Messaging's SES configuration set to the `email_events` topic, the
permission for End User Messaging to publish two-way SMS replies to `sms_replies`, and the
list's HMAC key in Secrets Manager.

Every email-sending function sends with the configuration set (SES_CONFIGURATION_SET); the
functions the pipeline marks `reads_suppression_key` may read the key (and only they)."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra.cdk.constructs.secrets import MANAGED_KEY_REASON
from infra.cdk.nag import acknowledge
from infra.cdk.scanners import skip_checkov
from infra.pipeline import EMAIL_EVENTS_TOPIC, SMS_REPLIES_TOPIC, SMS_VOICE_PRINCIPAL, Pipeline

# Only what we act on: a Delivery, Send or Open event would cost a Lambda run for nothing.
SUPPRESSING_EVENTS = [ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT]


class Suppressions(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        configuration_set: ses.ConfigurationSet,
        topics: dict[str, sns.Topic],
    ) -> None:
        super().__init__(scope, construct_id)
        self.configuration_set = configuration_set
        # CDK adds the topic policy letting SES publish for this configuration set only.
        ses.ConfigurationSetEventDestination(
            self,
            "BouncesAndComplaints",
            configuration_set=configuration_set,
            destination=ses.EventDestination.sns_topic(topics[EMAIL_EVENTS_TOPIC]),
            events=SUPPRESSING_EVENTS,
        )
        self._let_sms_replies_in(topics[SMS_REPLIES_TOPIC])
        self.key = secretsmanager.Secret(
            self,
            "Key",
            description="cxloop suppression list: the HMAC key its entries are keyed by",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                exclude_punctuation=True, password_length=64
            ),
        )
        acknowledge(
            self.key,
            "SMG4",
            "Rotating the key would orphan every entry of the suppression list (each is keyed by an "
            "HMAC under it), so bounced addresses would be written to again; it is never rotated.",
        )
        skip_checkov(self.key, "CKV_AWS_149", MANAGED_KEY_REASON)

    def _let_sms_replies_in(self, topic: sns.Topic) -> None:
        """End User Messaging publishes a phone number's two-way replies to the topic named in
        the number's TwoWayChannelArn (set by the operator: numbers are not in this stack)."""
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(SMS_VOICE_PRINCIPAL)],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
            )
        )

    def wire(self, pipeline: Pipeline, functions: dict[str, lambda_.Function]) -> None:
        """Each function's configuration set and key, as infra/pipeline.py says."""
        for spec in pipeline.functions:
            function = functions[spec.name]
            if spec.sends_email:
                function.add_environment(
                    "SES_CONFIGURATION_SET", self.configuration_set.configuration_set_name
                )
            if spec.reads_suppression_key:
                function.add_environment("SUPPRESSION_KEY_SECRET_ARN", self.key.secret_arn)
                # GetSecretValue alone (cxloop.adapters.secrets); grant_read adds DescribeSecret.
                iam.Grant.add_to_principal(
                    grantee=function,
                    actions=["secretsmanager:GetSecretValue"],
                    resource_arns=[self.key.secret_arn],
                )
