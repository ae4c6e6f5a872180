"""Revenue per region from a sales CSV file; run as a script it writes totals.csv."""

import csv


def region_totals(path: str) -> dict[str, float]:
    """{region: sum of units * unit_price}, rounded to 2 decimals."""
    totals: dict[str, float] = {}
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            revenue = int(row["units"]) * float(row["unit_price"])
            totals[row["region"]] = totals.get(row["region"], 0.0) + revenue
    return {region: round(total, 2) for region, total in totals.items()}


def write_totals(totals: dict[str, float], path: str) -> None:
    ordered = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    with open(path, "w", newline="", encoding="utf-8") as handle:
        handle.write("region,total\n")
        for region, total in ordered:
            handle.write(f"{region},{total:.2f}\n")


if __name__ == "__main__":
    write_totals(region_totals("sales.csv"), "totals.csv")
