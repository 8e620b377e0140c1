"""Staff identities: a Cognito user pool whose ID tokens the staff API accepts, with the
claims role scoping reads: custom:person (the person's id in the organisation; sub is a
random UUID), custom:role and custom:scope."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

TOKEN_VALIDITY = Duration.hours(1)
# Only administrators set role and scope; a user must not be able to promote themselves.
ADMIN_ONLY_ATTRIBUTES = ("person", "role", "scope")


class StaffDirectory(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True),
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_digits=True,
                require_lowercase=True,
                require_uppercase=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            # Plus: compromised-credential and adaptive-authentication protection, enforced.
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            custom_attributes={
                "person": cognito.StringAttribute(mutable=True, min_len=1, max_len=128),
                "role": cognito.StringAttribute(mutable=True, min_len=1, max_len=32),
                "scope": cognito.StringAttribute(mutable=True, min_len=1, max_len=128),
            },
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.client = self.user_pool.add_client(
            "StaffClient",
            # Staff sign in with SRP (or a password, over TLS, from scripts); no hosted OAuth
            # flows, so no implicit grant and no callback URL to keep safe.
            auth_flows=cognito.AuthFlow(user_srp=True, user_password=True),
            disable_o_auth=True,
            generate_secret=False,
            prevent_user_existence_errors=True,
            id_token_validity=TOKEN_VALIDITY,
            access_token_validity=TOKEN_VALIDITY,
            refresh_token_validity=Duration.hours(12),
            read_attributes=cognito.ClientAttributes()
            .with_standard_attributes(email=True, email_verified=True, fullname=True)
            .with_custom_attributes(*ADMIN_ONLY_ATTRIBUTES),
            write_attributes=cognito.ClientAttributes().with_standard_attributes(fullname=True),
        )
