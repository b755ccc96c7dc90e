"""The local runtime: template.yaml's API, authorizer, usage plans and event sources emulated over moto."""
