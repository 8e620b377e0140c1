"""The staff dashboard on AWS: the static files of infra/dashboard/ in a private, encrypted,
TLS-only S3 bucket, served by CloudFront through Origin Access Control with the same security
headers the local gateway sends (infra/local/gateway.py), and a config.json written at deploy
time that tells the page where the API is.

The dashboard calls the API and Cognito's token endpoint from the browser, so the
Content-Security-Policy's connect-src names both origins besides 'self' (locally both are the
same origin). No Docker is needed: BucketDeployment zips the folder as an asset and copies it
with its own Lambda.

Built in two steps, because the Cognito app client names the distribution's URL and
config.json names the client: the distribution first, then `publish(...)` once the client
exists.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import DefaultStackSynthesizer, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct, IConstruct

from infra.cdk.constructs.buckets import access_log_bucket
from infra.cdk.constructs.staff import DASHBOARD_SCOPES, SignInEndpoints
from infra.cdk.nag import acknowledge
from infra.cdk.scanners import accept_cdk_handler_findings, skip_checkov

SITE_DIR = Path(__file__).resolve().parents[2] / "dashboard"
HSTS_MAX_AGE = Duration.days(730)
# index.html and config.json are never kept (a new deploy shows at once); the other files are
# revalidated each time, since their names carry no content hash.
ENTRY_FILES = ("index.html",)
ENTRY_CACHE = "no-store"
ASSET_CACHE = "no-cache"
NO_WEB_ACL = (
    "The distribution serves static files only; the data is behind the API, whose stage has its own "
    "WAF web ACL (Firewall construct). A CloudFront web ACL must live in us-east-1, which this "
    "region-agnostic stack cannot create."
)
DEFAULT_CERTIFICATE = (
    "The default *.cloudfront.net certificate cannot set a minimum TLS version; a custom domain with "
    "an ACM certificate in us-east-1 (then TLSv1.2_2021 minimum) is the company's choice to add."
)
# CDK's one BucketDeployment handler per stack: a singleton whose id carries this uuid.
BUCKET_DEPLOYMENT_HANDLER = "Custom::CDKBucketDeployment"


def content_security_policy(api_origin: str, sign_in_origin: str) -> str:
    """The local gateway's policy, with the API's and the sign-in token endpoint's origins
    allowed for fetch (the authorize and logout pages are navigations, which connect-src
    does not govern)."""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' {api_origin} {sign_in_origin}; base-uri 'none'; form-action 'self'; "
        "object-src 'none'; frame-ancestors 'none'"
    )


class Dashboard(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, api_origin: str, sign_in_origin: str) -> None:
        super().__init__(scope, construct_id)
        # CloudFront standard logs and the site bucket's server access logs; CloudFront's
        # standard logging writes with an ACL, so the object writer owns its objects.
        self.logs = access_log_bucket(self, "AccessLogs", ownership=s3.ObjectOwnership.OBJECT_WRITER)
        self.bucket = self._site_bucket()
        self.headers = self._security_headers(api_origin, sign_in_origin)
        self.distribution = self._distribution()

    @property
    def url(self) -> str:
        """The dashboard's address, and the sign-in's callback and logout URL."""
        return f"https://{self.distribution.distribution_domain_name}/"

    @property
    def origin(self) -> str:
        """What a browser sends as Origin from the dashboard: the API allows it for CORS."""
        return f"https://{self.distribution.distribution_domain_name}"

    def publish(self, *, api_url: str, sign_in: SignInEndpoints, user_pool_id: str, client_id: str) -> None:
        """Copy the files and a config.json naming the API and the sign-in (OAuth 2.0 code
        grant with PKCE against the managed login, as the local runtime's stand-in does)."""
        config = {
            "apiUrl": api_url,
            "signIn": "oauth",
            "authorizeUrl": sign_in.authorize_url,
            "tokenUrl": sign_in.token_url,
            "logoutUrl": sign_in.logout_url,
            "clientId": client_id,
            "scopes": " ".join(scope.scope_name for scope in DASHBOARD_SCOPES),
            "userPoolId": user_pool_id,
        }
        self._deploy(config)

    def _site_bucket(self) -> s3.Bucket:
        bucket = s3.Bucket(
            self,
            "Site",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            server_access_logs_bucket=self.logs,
            server_access_logs_prefix="site/",
            # Only static files the next deploy writes again: nothing to keep.
            removal_policy=RemovalPolicy.DESTROY,
        )
        skip_checkov(
            bucket,
            "CKV_AWS_21",
            "The dashboard's static files, written again from infra/dashboard/ by every deploy: the "
            "repository is their history, and old versions would only keep the bucket from being emptied.",
        )
        return bucket

    def _security_headers(self, api_origin: str, sign_in_origin: str) -> cloudfront.ResponseHeadersPolicy:
        return cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            comment="cxloop dashboard: strict CSP, no framing, no referrer, HSTS",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=content_security_policy(api_origin, sign_in_origin), override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=HSTS_MAX_AGE, include_subdomains=True, override=True
                ),
            ),
        )

    def _distribution(self) -> cloudfront.Distribution:
        distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="cxloop staff dashboard",
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                # Honours each object's Cache-Control (no-store / no-cache, set at deploy).
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=self.headers,
                compress=True,
            ),
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            enable_logging=True,
            log_bucket=self.logs,
            log_file_prefix="cloudfront/",
        )
        acknowledge(
            distribution,
            "CFR1",
            "Staff of every country the company works in use the dashboard; the files hold no "
            "data, and the API they call checks every request's Cognito token and scope.",
        )
        # The same two findings as cdk-nag's, under checkov's ids, for the same reasons.
        for nag_finding, checkov_check, reason in (
            ("CFR2", "CKV_AWS_68", NO_WEB_ACL),
            ("CFR4", "CKV_AWS_174", DEFAULT_CERTIFICATE),
        ):
            acknowledge(distribution, nag_finding, reason)
            skip_checkov(distribution, checkov_check, reason)
        return distribution

    def _deploy(self, config: dict[str, str]) -> None:
        # Two copies into one bucket, so the entry files and the assets get their own
        # Cache-Control; neither prunes the other's files.
        s3deploy.BucketDeployment(
            self,
            "Assets",
            sources=[s3deploy.Source.asset(str(SITE_DIR), exclude=list(ENTRY_FILES))],
            destination_bucket=self.bucket,
            cache_control=[s3deploy.CacheControl.from_string(ASSET_CACHE)],
            prune=False,
        )
        s3deploy.BucketDeployment(
            self,
            "Entry",
            sources=[
                s3deploy.Source.asset(str(SITE_DIR), exclude=["*", *(f"!{name}" for name in ENTRY_FILES)]),
                s3deploy.Source.json_data("config.json", config),
            ],
            destination_bucket=self.bucket,
            cache_control=[s3deploy.CacheControl.from_string(ENTRY_CACHE)],
            prune=False,
        )
        self._acknowledge_deployment_handler()

    def _acknowledge_deployment_handler(self) -> None:
        """CDK's BucketDeployment Lambda (one per stack) is CDK's code, not ours to change; its
        grants are read on the asset it copies from and read-write on this site bucket only."""
        stack = Stack.of(self)
        handler: IConstruct | None = next(
            (c for c in stack.node.children if c.node.id.startswith(BUCKET_DEPLOYMENT_HANDLER)), None
        )
        if handler is None:
            return
        site = stack.get_logical_id(self.bucket.node.default_child)  # type: ignore[arg-type]
        assets = f"cdk-{DefaultStackSynthesizer.DEFAULT_QUALIFIER}-assets-<AWS::AccountId>-<AWS::Region>"
        wildcards = (
            "IAM5[Action::s3:GetObject*]",
            "IAM5[Action::s3:GetBucket*]",
            "IAM5[Action::s3:List*]",
            "IAM5[Action::s3:DeleteObject*]",
            "IAM5[Action::s3:Abort*]",
            f"IAM5[Resource::arn:<AWS::Partition>:s3:::{assets}/*]",
            f"IAM5[Resource::<{site}.Arn>/*]",
        )
        for finding in wildcards:
            acknowledge(
                handler,
                finding,
                "CDK's BucketDeployment grants (grantRead on the deployment asset, grantReadWrite "
                "on the dashboard bucket) copy files whose names it cannot know in advance.",
            )
        for finding, reason in _HANDLER_REASONS.items():
            acknowledge(handler, finding, reason)
        accept_cdk_handler_findings(handler, has_environment=True)


_HANDLER_REASONS = {
    "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]": (
        "CDK's BucketDeployment handler writes its own logs with the AWS-managed basic "
        "execution policy, which allows CloudWatch Logs only."
    ),
    "L1": "CDK's BucketDeployment handler pins the Python runtime its bundled AWS CLI layer supports.",
}
