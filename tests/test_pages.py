from django.urls import reverse


def test_login_page_is_chinese(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_every_page_but_login_requires_a_login(client, plan_2021):
    for url in [reverse("home"), reverse("tasks:plan_detail", args=[plan_2021.pk])]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_login_with_password_reaches_home(client, lead_reporter):
    response = client.post(reverse("login"), {"username": "lead_reporter", "password": "Test2026pass"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "大兴区科技引领三年行动计划（2021-2023）" in response.content.decode()


def test_wrong_password_gets_a_chinese_message(client, lead_reporter):
    response = client.post(reverse("login"), {"username": "lead_reporter", "password": "wrong"})
    assert "用户名或密码错误" in response.content.decode()


def test_logout_is_a_post(client, leader):
    client.force_login(leader)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_home_lists_both_plans(client, leader):
    client.force_login(leader)
    body = client.get(reverse("home")).content.decode()
    assert "大兴区推进科技成果转化落地行动方案（2025-2027年）" in body
    assert "京兴政发〔2021〕8号" in body


def test_plan_page_shows_outline_milestones_and_units(client, leader, plan_2021):
    client.force_login(leader)
    body = client.get(reverse("tasks:plan_detail", args=[plan_2021.pk])).content.decode()
    assert "（十四）完善人才发展服务保障" in body
    assert "落地区级应用场景示范项目不少于15项" in body
    assert "市规划自然资源委大兴分局" in body


def test_plan_page_query_count_is_fixed(client, leader, plan_2021, django_assert_max_num_queries):
    client.force_login(leader)
    with django_assert_max_num_queries(14):  # with the roll-up computed, not read from the cache
        client.get(reverse("tasks:plan_detail", args=[plan_2021.pk]))
