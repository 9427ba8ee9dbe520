"""The data Offramp acts on: banned-product catalogues, replacement playbooks and policies as strict YAML, checked and typed."""
