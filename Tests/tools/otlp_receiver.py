"""A small OTLP/HTTP trace receiver for the tests (issue 22): it takes POST /v1/traces (protobuf, as swift-otel sends by
default, or JSON) and writes one JSON line per span to standard output: service, name, trace, span, parent (hex ids),
kind and attributes. It answers 200 with an empty ExportTraceServiceResponse, as an OpenTelemetry collector does.

Usage: python3 otlp_receiver.py PORT   (needs opentelemetry-proto from PyPI; .ci/run installs it)
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest, ExportTraceServiceResponse


def attribute(value):
    """An attribute's value as text, whatever its type."""
    fields = json_format.MessageToDict(value)
    return str(next(iter(fields.values()), ""))


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        request = ExportTraceServiceRequest()
        if self.headers.get("Content-Type", "").startswith("application/json"):
            json_format.Parse(body, request, ignore_unknown_fields=True)
        else:
            request.ParseFromString(body)
        for resource_spans in request.resource_spans:
            service = next((a.value.string_value for a in resource_spans.resource.attributes if a.key == "service.name"), "")
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    line = {
                        "service": service,
                        "name": span.name,
                        "trace": span.trace_id.hex(),
                        "span": span.span_id.hex(),
                        "parent": span.parent_span_id.hex(),
                        "kind": span.kind,
                        "attributes": {a.key: attribute(a.value) for a in span.attributes},
                    }
                    print(json.dumps(line, ensure_ascii=False), flush=True)
        answer = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *arguments):
        pass


server = HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
print(f"listening {server.server_port}", flush=True)
server.serve_forever()
