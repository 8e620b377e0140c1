"""Staff identities: a Cognito user pool whose ID tokens the staff API accepts, with the
claims role scoping reads: custom:person (the person's id in the organisation; sub is a
random UUID), custom:role and custom:scope.

The dashboard signs staff in through the pool's managed login (a Cognito prefix domain) with
the authorization code grant and PKCE: a public app client (no secret: the browser could not
keep one) whose only callback and logout URL is the dashboard's own CloudFront URL."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

TOKEN_VALIDITY = Duration.hours(1)
REFRESH_TOKEN_VALIDITY = Duration.hours(12)
DASHBOARD_SCOPES = (cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE)
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
            refresh_token_validity=REFRESH_TOKEN_VALIDITY,
            read_attributes=_read_attributes(),
            write_attributes=cognito.ClientAttributes().with_standard_attributes(fullname=True),
        )

    def add_domain(self, prefix: str) -> cognito.UserPoolDomain:
        """The managed login's home, https://<prefix>.auth.<region>.amazoncognito.com: created
        before the dashboard, whose CSP must name it for the token request."""
        return self.user_pool.add_domain(
            "SignInDomain", cognito_domain=cognito.CognitoDomainOptions(domain_prefix=prefix)
        )

    def add_dashboard_client(self, dashboard_url: str) -> cognito.UserPoolClient:
        """The dashboard's app client: code grant only (no implicit grant, whose tokens travel
        in the URL), PKCE enforced by Cognito for a client without a secret, the dashboard's
        URL the only place a code or a signed-out browser may be sent. Created after the
        distribution, whose URL it names."""
        return self.user_pool.add_client(
            "DashboardClient",
            generate_secret=False,
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=list(DASHBOARD_SCOPES),
                callback_urls=[dashboard_url],
                logout_urls=[dashboard_url],
            ),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            # Managed login only: no password or SRP from scripts through this client.
            auth_flows=cognito.AuthFlow(user_srp=False, user_password=False),
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            id_token_validity=TOKEN_VALIDITY,
            access_token_validity=TOKEN_VALIDITY,
            refresh_token_validity=REFRESH_TOKEN_VALIDITY,
            read_attributes=_read_attributes(),
            write_attributes=cognito.ClientAttributes().with_standard_attributes(fullname=True),
        )


@dataclass(frozen=True)
class SignInEndpoints:
    """The managed login's OAuth 2.0 endpoints, as the dashboard's config.json names them."""

    origin: str  # https://<prefix>.auth.<region>.amazoncognito.com

    @classmethod
    def of(cls, domain: cognito.UserPoolDomain) -> SignInEndpoints:
        return cls(domain.base_url())

    @property
    def authorize_url(self) -> str:
        return f"{self.origin}/oauth2/authorize"

    @property
    def token_url(self) -> str:
        return f"{self.origin}/oauth2/token"

    @property
    def logout_url(self) -> str:
        return f"{self.origin}/logout"


def _read_attributes() -> cognito.ClientAttributes:
    return (
        cognito.ClientAttributes()
        .with_standard_attributes(email=True, email_verified=True, fullname=True)
        .with_custom_attributes(*ADMIN_ONLY_ATTRIBUTES)
    )
