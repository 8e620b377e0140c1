"""The local runtime: moto server + HTTP gateway + queue pollers, all from infra.pipeline."""
