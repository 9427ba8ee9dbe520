"""The data Offramp acts on: catalogues of banned products, replacement playbooks and policies, as strict YAML."""
