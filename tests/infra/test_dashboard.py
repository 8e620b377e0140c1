"""The staff dashboard on AWS: a private, encrypted, TLS-only bucket read by CloudFront through
Origin Access Control, HTTPS only, the local gateway's security headers (the API's origin
allowed for fetch), access logs, the files of infra/dashboard/ and a config.json naming the API
copied at deploy without Docker, and the DashboardUrl output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra.cdk.constructs.dashboard import SITE_DIR
from infra.local.gateway import DASHBOARD_CSP
from tests.infra.conftest import Synthesized

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]


def distribution_config(synthesized: Synthesized) -> dict[str, Any]:
    (distribution,) = synthesized.resources("AWS::CloudFront::Distribution").values()
    return dict(distribution["Properties"]["DistributionConfig"])


def site_bucket_id(synthesized: Synthesized) -> str:
    """The bucket the distribution reads (found through the distribution, not a logical id)."""
    (origin,) = distribution_config(synthesized)["Origins"]
    return str(origin["DomainName"]["Fn::GetAtt"][0])


def security_headers(synthesized: Synthesized) -> dict[str, Any]:
    (policy,) = synthesized.resources("AWS::CloudFront::ResponseHeadersPolicy").values()
    return dict(policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"])


def flattened(value: Any) -> str:
    """A template string with its Fn::Join parts joined, each Fn::Sub shown as its template and
    each Ref as ${LogicalId}."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return "${" + str(value["Ref"]) + "}"
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(flattened(part) for part in parts)
    if "Fn::Sub" in value:
        template = value["Fn::Sub"]
        return str(template[0] if isinstance(template, list) else template)
    raise AssertionError(f"unexpected intrinsic {value}")


def directives(policy: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def sign_in_domain_id(synthesized: Synthesized) -> str:
    (domain_id,) = synthesized.resources("AWS::Cognito::UserPoolDomain")
    return domain_id


def dashboard_client_id(synthesized: Synthesized) -> str:
    """The app client with an OAuth flow (the staff client has none)."""
    (client_id,) = [
        k
        for k, v in synthesized.resources("AWS::Cognito::UserPoolClient").items()
        if v["Properties"].get("AllowedOAuthFlows")
    ]
    return client_id


def distribution_url(synthesized: Synthesized) -> dict[str, Any]:
    """https://<the distribution's domain>/, as the template writes it."""
    (distribution_id,) = synthesized.resources("AWS::CloudFront::Distribution")
    return {"Fn::Join": ["", ["https://", {"Fn::GetAtt": [distribution_id, "DomainName"]}, "/"]]}


def deployments(synthesized: Synthesized) -> list[dict[str, Any]]:
    return [
        resource["Properties"]
        for resource in synthesized.template["Resources"].values()
        if resource["Type"] == "Custom::CDKBucketDeployment"
    ]


def test_the_bucket_is_private_encrypted_logged_and_tls_only(synthesized: Synthesized) -> None:
    logical_id = site_bucket_id(synthesized)
    bucket = synthesized.properties(logical_id)
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert bucket["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"], True
    )
    assert "WebsiteConfiguration" not in bucket  # read through CloudFront only, never as a website
    assert bucket["LoggingConfiguration"]["DestinationBucketName"]["Ref"] != logical_id
    (policy,) = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in synthesized.resources("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": logical_id}
    ]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in policy
    )
    # The only reader is CloudFront, and only for this one distribution.
    (reader,) = [s for s in policy if s["Effect"] == "Allow"]
    assert reader["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert reader["Action"] == "s3:GetObject"
    assert "AWS:SourceArn" in json.dumps(reader["Condition"])


def test_cloudfront_reads_through_origin_access_control_over_https_only(synthesized: Synthesized) -> None:
    config = distribution_config(synthesized)
    (origin,) = config["Origins"]
    assert "OriginAccessControlId" in origin
    assert origin["S3OriginConfig"].get("OriginAccessIdentity", "") == ""
    (control,) = synthesized.resources("AWS::CloudFront::OriginAccessControl").values()
    assert control["Properties"]["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    behaviour = config["DefaultCacheBehavior"]
    assert behaviour["ViewerProtocolPolicy"] == "https-only"
    assert behaviour["AllowedMethods"] == ["GET", "HEAD"]
    assert config["DefaultRootObject"] == "index.html"
    assert config["Logging"]["Prefix"] == "cloudfront/"


def test_the_security_headers_are_the_local_gateways_with_the_api_allowed(synthesized: Synthesized) -> None:
    headers = security_headers(synthesized)
    csp = headers["ContentSecurityPolicy"]
    assert csp["Override"] is True
    deployed = directives(flattened(csp["ContentSecurityPolicy"]))
    local = directives(DASHBOARD_CSP)
    assert deployed.keys() == local.keys()
    for directive, value in local.items():
        if directive == "connect-src":
            domain = sign_in_domain_id(synthesized)
            assert deployed[directive] == (
                "'self' https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix} "
                f"https://${{{domain}}}.auth.${{AWS::Region}}.amazoncognito.com"
            )
        else:
            assert deployed[directive] == value, directive
    assert "unsafe" not in json.dumps(deployed)
    assert headers["FrameOptions"] == {"FrameOption": "DENY", "Override": True}
    assert headers["ContentTypeOptions"] == {"Override": True}
    assert headers["ReferrerPolicy"] == {"ReferrerPolicy": "no-referrer", "Override": True}
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31_536_000


def test_the_files_and_a_config_naming_the_api_are_deployed_without_docker(synthesized: Synthesized) -> None:
    found = deployments(synthesized)
    assert len(found) == 2
    site = site_bucket_id(synthesized)
    assert all(d["DestinationBucketName"] == {"Ref": site} for d in found)
    assert all(d.get("Prune") is False for d in found)  # neither copy deletes the other's files
    caching = {d["SystemMetadata"]["cache-control"] for d in found}
    assert caching == {"no-store", "no-cache"}
    entry = next(d for d in found if d["SystemMetadata"]["cache-control"] == "no-store")
    # Source.json_data: config.json's markers are replaced with the API URL and Cognito ids.
    markers = json.dumps(entry["SourceMarkers"])
    assert "RestApi" in markers and "UserPool" in markers
    assert dashboard_client_id(synthesized) in markers and sign_in_domain_id(synthesized) in markers
    # Zipped folders, not Docker bundling: each asset in the assembly is a plain file source.
    manifest = json.loads(next(synthesized.directory.glob("*.assets.json")).read_text())
    for asset in manifest["files"].values():
        assert "executable" not in asset["source"]
    assert manifest.get("dockerImages", {}) == {}


def test_the_deployed_folder_holds_the_pages_files_and_nothing_else(synthesized: Synthesized) -> None:
    served = {p.name for p in Path(SITE_DIR).iterdir() if p.is_file()}
    assert {"index.html", "app.js", "app.css"} <= served
    assert all(p.suffix in {".html", ".js", ".css", ".svg"} for p in Path(SITE_DIR).iterdir()), served
    index = (Path(SITE_DIR) / "index.html").read_text(encoding="utf-8")
    # Nothing from a CDN and no inline script: the CSP would refuse both.
    assert "http://" not in index and "https://" not in index
    assert "<script>" not in index and "onclick=" not in index


def test_the_dashboard_url_is_an_output(synthesized: Synthesized) -> None:
    output = synthesized.template["Outputs"]["DashboardUrl"]
    rendered = json.dumps(output["Value"])
    assert "https://" in rendered and "DomainName" in rendered


# --- staff sign-in: Cognito's managed login, the OAuth 2.0 code grant with PKCE ------------------


def test_the_user_pool_has_a_managed_login_domain(synthesized: Synthesized) -> None:
    domain = synthesized.properties(sign_in_domain_id(synthesized))
    (pool_id,) = synthesized.resources("AWS::Cognito::UserPool")
    assert domain["UserPoolId"] == {"Ref": pool_id}
    assert "CustomDomainConfig" not in domain  # a Cognito prefix domain
    # Unique per account and stage unless the signInDomainPrefix context value names one.
    prefix = json.dumps(domain["Domain"])
    assert "cxloop-dev" in prefix and "AWS::AccountId" in prefix
    sign_in = synthesized.template["Outputs"]["StaffSignInUrl"]["Value"]
    assert (
        flattened(sign_in)
        == f"https://${{{sign_in_domain_id(synthesized)}}}.auth.${{AWS::Region}}.amazoncognito.com"
    )


def test_the_dashboard_client_uses_the_code_grant_back_to_the_distribution_only(
    synthesized: Synthesized,
) -> None:
    client = synthesized.properties(dashboard_client_id(synthesized))
    assert client["GenerateSecret"] is False  # a browser cannot keep a secret: PKCE instead
    assert client["AllowedOAuthFlows"] == ["code"]  # no implicit grant, whose tokens ride in URLs
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert sorted(client["AllowedOAuthScopes"]) == ["email", "openid", "profile"]
    assert client["CallbackURLs"] == [distribution_url(synthesized)]
    assert client["LogoutURLs"] == [distribution_url(synthesized)]
    assert client["SupportedIdentityProviders"] == ["COGNITO"]
    assert client["ExplicitAuthFlows"] == ["ALLOW_REFRESH_TOKEN_AUTH"]
    # Tokens last as long as the staff client's.
    staff = next(
        v["Properties"]
        for k, v in synthesized.resources("AWS::Cognito::UserPoolClient").items()
        if k != dashboard_client_id(synthesized)
    )
    for validity in ("IdTokenValidity", "AccessTokenValidity", "RefreshTokenValidity", "TokenValidityUnits"):
        assert client[validity] == staff[validity], validity
    assert {"custom:person", "custom:role", "custom:scope"} <= set(client["ReadAttributes"])
    assert not {"custom:person", "custom:role", "custom:scope"} & set(client["WriteAttributes"])


def test_config_json_names_the_managed_logins_endpoints(synthesized: Synthesized) -> None:
    entry = next(d for d in deployments(synthesized) if d["SystemMetadata"]["cache-control"] == "no-store")
    values = [flattened(v) for m in entry["SourceMarkers"] for v in m.values()]
    domain = f"https://${{{sign_in_domain_id(synthesized)}}}.auth.${{AWS::Region}}.amazoncognito.com"
    for path in ("/oauth2/authorize", "/oauth2/token", "/logout"):
        assert f'"{domain}{path}"' in values, path
    assert f'"${{{dashboard_client_id(synthesized)}}}"' in values
