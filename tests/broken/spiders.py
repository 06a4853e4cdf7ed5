from crawler.fetch.spider import NewsSpider
from crawler.sites.profile import SiteProfile


class BrokenSpider(NewsSpider):
    name = "broken"
    profile = SiteProfile(
        name="broken",
        label="Broken",
        domains=("broken.example",),
        home="https://broken.example/",
        article_path=r"^/\d{4}/",
        title=("h1.title", "div[class=unclosed"),
        body=("//div[@class='x'",),
    )
