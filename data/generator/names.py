"""Name parts for holders and companies, and their accent-free forms for e-mail addresses.

Names are stored per holder as small integer codes into these tuples; the writer assembles
the strings. No name part may contain a comma, a quote or a newline (the CSV writer relies
on it).
"""

from __future__ import annotations

import unicodedata


def _parts(text: str) -> tuple[str, ...]:
    """The comma-separated name parts in ``text``, in order (repeats weight a choice)."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


FIRST_NAMES: tuple[str, ...] = _parts(
    """
    Maria, Ana, Francisca, Antônia, Adriana, Juliana, Márcia, Fernanda, Patrícia, Aline, Sandra,
    Camila, Amanda, Bruna, Jéssica, Letícia, Júlia, Luciana, Vanessa, Mariana, Gabriela,
    Beatriz, Larissa, Débora, Cláudia, Rafaela, Carolina, Tatiane, Renata, Simone, Helena,
    Alice, Laura, Manuela, Valentina, Sophia, Isabela, Lívia, Rosângela, Cristina, José, João,
    Antônio, Francisco, Carlos, Paulo, Pedro, Lucas, Luiz, Marcos, Luís, Gabriel, Rafael,
    Daniel, Marcelo, Bruno, Eduardo, Felipe, Raimundo, Rodrigo, Manoel, Mateus, André, Fernando,
    Fábio, Leonardo, Gustavo, Guilherme, Leandro, Tiago, Anderson, Ricardo, Márcio, Jorge,
    Sebastião, Alexandre, Roberto, Edson, Diego, Vitor, Sérgio, Cláudio, Miguel, Arthur, Heitor,
    Davi, Bernardo, Samuel, Enzo, Thiago, Wellington, Cícero, Josué, Reginaldo, Wagner
    """
)

SURNAMES: tuple[str, ...] = _parts(
    """
    Silva, Santos, Oliveira, Souza, Rodrigues, Ferreira, Alves, Pereira, Lima, Gomes, Costa,
    Ribeiro, Martins, Carvalho, Almeida, Lopes, Soares, Fernandes, Vieira, Barbosa, Rocha, Dias,
    Nascimento, Andrade, Moreira, Nunes, Marques, Machado, Mendes, Freitas, Cardoso, Ramos,
    Gonçalves, Santana, Teixeira, Araújo, Pinto, Correia, Cavalcanti, Monteiro, Moura, Batista,
    Campos, Castro, Reis, Barros, Farias, Cunha, Pires, Melo, Azevedo, Borges, Brito, Cruz,
    Xavier, Miranda, Tavares, Siqueira, Bezerra, Lacerda, Macedo, Queiroz, Sales, Pacheco,
    Guimarães, Figueiredo
    """
)

# Trade words for company names: "<word> <word> <suffix>".
TRADE_WORDS: tuple[str, ...] = _parts(
    """
    Mercadinho, Padaria, Farmácia, Auto Peças, Açougue, Papelaria, Pet Shop, Distribuidora,
    Materiais de Construção, Hortifruti, Lanchonete, Pizzaria, Restaurante, Salão, Oficina,
    Academia, Ótica, Loja, Empório, Sorveteria, Transportes, Construtora, Consultoria,
    Tecnologia, Comércio, Serviços, Logística, Clínica, Drogaria, Confecções
    """
)
TRADE_NAMES: tuple[str, ...] = _parts(
    """
    Bom Preço, Boa Vista, São Jorge, Santa Luzia, Estrela, Central, Nova Era, Primavera, Aurora,
    Horizonte, Paraíso, Progresso, União, Vitória, Bela, Real, Avenida, Ipê, Jequitibá,
    Sol Nascente, Brasil, Pioneira, Ideal, Modelo, Popular, Express, Premium, Família,
    Do Bairro, Litoral
    """
)
COMPANY_SUFFIX: tuple[str, ...] = ("Ltda", "Ltda", "Ltda", "S.A.", "EPP", "ME")

EMAIL_DOMAINS: tuple[str, ...] = _parts(
    """
    gmail.com, gmail.com, gmail.com, gmail.com, hotmail.com, hotmail.com, outlook.com,
    yahoo.com.br, uol.com.br, bol.com.br, icloud.com, terra.com.br
    """
)


def ascii_lower(text: str) -> str:
    """Lowercase, accent-free, space-free form of a name part, for e-mail local parts."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


FIRST_ASCII: tuple[str, ...] = tuple(ascii_lower(n) for n in FIRST_NAMES)
SURNAMES_ASCII: tuple[str, ...] = tuple(ascii_lower(n) for n in SURNAMES)
TRADE_ASCII: tuple[str, ...] = tuple(ascii_lower(n) for n in TRADE_NAMES)
TRADE_WORDS_ASCII: tuple[str, ...] = tuple(ascii_lower(n) for n in TRADE_WORDS)
